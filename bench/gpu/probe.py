"""GPU probe for the device machine: what the CUDA path of the service would need, and what batching buys on this GPU.

Run there as: python3 bench/gpu/probe.py  (writes $OUT/gpu-probe.json when OUT is set).
The service's own CUDA path (ONNX Runtime 1.31 for .NET, ~540 MB of native files) cannot be carried to that machine
(64 MiB per call), so this measures the same ResNet18 architecture in PyTorch: images/s at batch 1..64.
Weights are random: throughput does not depend on their values.
"""
import ctypes, json, os, shutil, subprocess, time

report = {}

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:  # noqa: BLE001 - a probe reports, it does not fail
        return f"error: {e}"

report["gpu"] = sh("nvidia-smi -L")
report["driver"] = sh("nvidia-smi --query-gpu=driver_version --format=csv,noheader")
report["dotnet"] = shutil.which("dotnet")
libs = {}
for lib in ["libcudart.so.13", "libcublasLt.so.13", "libcudnn.so.9"]:
    try:
        ctypes.CDLL(lib)
        libs[lib] = "loads"
    except OSError as e:
        libs[lib] = f"missing ({e})"
report["cuda_libraries_for_onnxruntime_1_31"] = libs
try:
    import onnxruntime as ort
    report["python_onnxruntime"] = {"version": ort.__version__, "providers": ort.get_available_providers()}
except Exception as e:  # noqa: BLE001
    report["python_onnxruntime"] = f"not importable: {e}"

import torch, torchvision
torch.backends.cudnn.benchmark = True
model = torchvision.models.resnet18(weights=None).eval().cuda()
results = []
with torch.inference_mode():
    for batch in [1, 4, 8, 16, 32, 64]:
        x = torch.randn(batch, 3, 224, 224, device="cuda")
        for _ in range(10):
            model(x)
        torch.cuda.synchronize()
        iters = 200 if batch <= 8 else 60
        t = time.perf_counter()
        for _ in range(iters):
            model(x)
        torch.cuda.synchronize()
        ms = (time.perf_counter() - t) / iters * 1000
        results.append({"batch": batch, "ms_per_batch": round(ms, 3), "images_per_s": round(batch / ms * 1000, 1)})
        print(results[-1], flush=True)
report["torch"] = torch.__version__
report["resnet18_fp32_224"] = results
report["batching_gain_32_vs_1"] = round(results[4]["images_per_s"] / results[0]["images_per_s"], 2)
print(json.dumps(report, indent=2))
if os.environ.get("OUT"):
    with open(os.path.join(os.environ["OUT"], "gpu-probe.json"), "w") as f:
        json.dump(report, f, indent=2)
