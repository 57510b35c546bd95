"""Writes small .npy files with numpy itself, so the Swift NPY reader/writer is
checked byte for byte against numpy. Run: <venv>/bin/python reference/npy_fixtures.py"""
import pathlib
import numpy as np

out = pathlib.Path(__file__).resolve().parent.parent / "Tests/Fixtures/npy"
out.mkdir(parents=True, exist_ok=True)
np.save(out / "f32_2x3.npy", np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
np.save(out / "f16_4.npy", np.array([0.5, -1.25, 3.0, 65504.0], dtype=np.float16))
np.save(out / "i32_5.npy", np.array([3, -1, 0, 7, 2], dtype=np.int32))
np.save(out / "i64_2x2.npy", np.array([[1, 2], [3, 4]], dtype=np.int64))
np.save(out / "f32_empty_0x4.npy", np.zeros((0, 4), dtype=np.float32))
print("wrote", sorted(p.name for p in out.iterdir()))
