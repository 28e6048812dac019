from pipec import pipeline


@pipeline
def nothing(flag: bool = False):
    if flag:
        pass
