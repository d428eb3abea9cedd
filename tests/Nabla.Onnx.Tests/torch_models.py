# PyTorch writes two models as ONNX (opset 13) with inputs and its own outputs, for PyTorchTests. Usage: python3 torch_models.py OUT_DIR
import sys, numpy as np, torch, torch.nn as nn
torch.manual_seed(0)
out = sys.argv[1]
mlp = nn.Sequential(nn.Linear(784, 64), nn.BatchNorm1d(64), nn.Tanh(), nn.Dropout(0.3), nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 10), nn.Softmax(dim=1))
cnn = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 8, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
for name, m, shape in [("mlp", mlp, (7, 784)), ("cnn", cnn, (7, 1, 28, 28))]:
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            mod.running_mean.uniform_(-0.5, 0.5); mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.5, 0.5)
    m.eval()
    x = torch.rand(*shape)
    with torch.no_grad(): y = m(x)
    torch.onnx.export(m, x, f"{out}/{name}.onnx", input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=13)
    np.save(f"{out}/{name}-x.npy", x.numpy()); np.save(f"{out}/{name}-y.npy", y.numpy())
print("ok")
