print("bench-backbones: not written yet")
