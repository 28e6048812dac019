import os

from zenml import pipeline, step


class SlackConfig:
    CHANNEL_ID = os.getenv("SLACK_CHANNEL_ID")


@step
def notify(channel: str) -> None:
    print(channel)


@pipeline
def training():
    notify(channel=SlackConfig.CHANNEL_ID)
