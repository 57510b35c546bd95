print("bench-images: not written yet")
