from pipec import pipeline

# café in latin-1, not UTF-8
@pipeline
def p():
    pass
