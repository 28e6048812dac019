from pipec import Schedule, pipeline, step


@step
def nightly() -> None:
    pass


@pipeline(schedule=Schedule(cron="every day at 3"))
def nightly_job():
    nightly()
