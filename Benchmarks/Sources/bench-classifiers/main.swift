print("bench-classifiers: not written yet")
