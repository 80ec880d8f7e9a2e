"""likelygrad.vision: torchvision's MNIST datasets and transforms, and their batched fast path."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
from conftest import sample_file

import likelygrad as lg
from likelygrad.data import sources, write_idx
from likelygrad.utils.data import DataLoader, default_collate
from likelygrad.vision import datasets, transforms

NAMES = [f.name for f in sources.DATASETS["mnist"].files]
MEAN_STD = ((0.1307,), (0.3081,))


def write_set(folder: Path, n_train: int = 40, n_test: int = 12, seed: int = 0) -> list:
    """Four tiny IDX files in `folder`; returns the arrays (labels as uint8)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              rng.integers(0, 10, n_train, dtype=np.uint8),
              rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              rng.integers(0, 10, n_test, dtype=np.uint8)]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(NAMES, arrays):
        write_idx(folder / name, array)
    return arrays


@pytest.mark.parametrize("layout", ["MNIST/raw", "mnist", "."])
def test_mnist_reads_torchvision_and_likelygrad_layouts(home, tmp_path, layout):
    arrays = write_set(tmp_path / "root" / layout)
    train = datasets.MNIST(tmp_path / "root", train=True)
    test = datasets.MNIST(str(tmp_path / "root"), train=False, target_transform=lambda y: y + 100)
    assert len(train) == 40 and len(test) == 12 and train.source == "mnist"
    assert train.data.dtype == lg.uint8 and train.data.shape == (40, 28, 28)
    assert train.targets.dtype == lg.int64 and train.targets.tolist() == arrays[1].tolist()
    image, label = train[-1]
    assert type(image) is np.ndarray and image.dtype == np.uint8 and type(label) is int
    assert np.array_equal(image, arrays[0][-1]) and label == arrays[1][-1]
    image[:] = 0  # a copy: the dataset is unchanged
    assert np.array_equal(train[-1][0], arrays[0][-1])
    assert test[0][1] == arrays[3][0] + 100
    assert train.classes[3] == "3 - three" and train.class_to_idx["9 - nine"] == 9
    assert "Split: Test" in repr(test)


def test_fashion_mnist_classes(home, tmp_path):
    write_set(tmp_path / "FashionMNIST" / "raw")
    ds = datasets.FashionMNIST(tmp_path, train=False)
    assert ds.classes[9] == "Ankle boot" and ds.source == "fashion-mnist" and len(ds) == 12


def test_missing_mnist_falls_back_to_the_sample(home, tmp_path, capsys):
    if sample_file() is None:
        pytest.skip("mnist-sample is not installed (make test puts it in the environment)")
    ds = datasets.MNIST(tmp_path / "empty", train=True, download=False)
    assert ds.source == "mnist-sample" and len(ds) == 4000 and "(fallback)" in repr(ds)
    assert "falling back to mnist-sample" in capsys.readouterr().err


def test_missing_everything_is_file_not_found(home, no_sample, tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset 'mnist' not found"):
        datasets.MNIST(tmp_path / "empty", download=False)


def test_transforms_match_torch_on_the_same_image():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    color = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    cases = [(gray, (0.1307,), (0.3081,)), (color, (0.5, 0.4, 0.3), (0.2, 0.25, 0.3))]
    for image, mean, std in cases:
        ours = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])(image)
        # torchvision's arithmetic: permute to C×H×W, float, div(255), sub_(mean), div_(std)
        t = torch.from_numpy(image if image.ndim == 3 else image[:, :, None]).permute(2, 0, 1)
        t = t.float().div(255)
        t = t.sub(torch.tensor(mean).view(-1, 1, 1)).div(torch.tensor(std).view(-1, 1, 1))
        assert ours.shape == tuple(t.shape) and ours.dtype == lg.float32
        assert np.array_equal(ours.numpy(), t.numpy())
    floats = rng.random((4, 4)).astype(np.float64)
    kept = transforms.ToTensor()(floats)  # not uint8: neither scaled nor cast
    assert kept.dtype == lg.float64 and np.array_equal(kept.numpy()[0], floats)
    inplace = transforms.ToTensor()(gray)
    same = transforms.Normalize((0.5,), (0.5,), inplace=True)(inplace)
    assert same is inplace and float(same.max()) <= 1.0 and float(same.min()) >= -1.0
    assert transforms.Lambda(lambda x: x * 2)(3) == 6


norm = transforms.Normalize((0.5,), (0.5,))
ERRORS = [
    (lambda: transforms.ToTensor()(lg.zeros(2, 2)), TypeError, "should be PIL Image or ndarray"),
    (lambda: transforms.ToTensor()(np.zeros(3)), ValueError, "pic should be 2/3 dimensional"),
    (lambda: norm(np.zeros((1, 2, 2))), TypeError, "should be a torch tensor"),
    (lambda: norm(lg.zeros(1, 2, 2, dtype=lg.int64)), TypeError, "should be a float tensor"),
    (lambda: norm(lg.zeros(2, 2)), ValueError, r"\(\.\.\., C, H, W\)"),
    (lambda: transforms.Normalize((0.5,), (0.0,))(lg.zeros(1, 2, 2)), ValueError, "std evaluated"),
    (lambda: transforms.Lambda(3), TypeError, "Argument lambd should be callable, got 'int'"),
]


@pytest.mark.parametrize("make,error,message", ERRORS)
def test_transform_errors_as_torchvision(make, error, message):
    with pytest.raises(error, match=message):
        make()


TRANSFORMS = {
    "none": None,
    "to-tensor": transforms.ToTensor(),
    "normalize": transforms.Compose([transforms.ToTensor(), transforms.Normalize(*MEAN_STD)]),
    "nested": transforms.Compose(
        [
            transforms.Compose([transforms.ToTensor()]),
            transforms.Normalize(*MEAN_STD),
            transforms.Normalize((1.0,), (2.0,)),
        ]
    ),  # fmt: skip
    "lambda": transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda t: t * 2)]),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_batched_transforms_equal_per_image_collation(home, tmp_path, name):
    write_set(tmp_path / "mnist")
    ds = datasets.MNIST(tmp_path, transform=TRANSFORMS[name])
    assert (ds.__getbatch__ is None) == (name == "lambda")
    for kwargs in [{"batch_size": 16, "shuffle": True}, {"batch_size": 7, "drop_last": True}]:
        lg.manual_seed(0)
        fast = list(DataLoader(ds, **kwargs))
        lg.manual_seed(0)
        slow = list(DataLoader(ds, collate_fn=lambda items: default_collate(items), **kwargs))
        assert len(fast) == len(slow)
        for (fx, fy), (sx, sy) in zip(fast, slow):
            assert fx.dtype == sx.dtype and fy.dtype == sy.dtype == lg.int64
            assert np.array_equal(fx.numpy(), sx.numpy()) and np.array_equal(fy.numpy(), sy.numpy())


def test_batches_held_by_the_caller_are_not_overwritten(home, tmp_path):
    images = write_set(tmp_path / "mnist")[0]
    ds = datasets.MNIST(tmp_path, transform=TRANSFORMS["to-tensor"])
    loader = DataLoader(ds, batch_size=8)
    held = list(loader)  # every batch kept: none may share a buffer with another
    for i, (x, _) in enumerate(held):
        expected = np.divide(images[8 * i : 8 * i + 8, None], 255, dtype=np.float32)
        assert np.array_equal(x.numpy(), expected)
    assert len({id(x.array) for x, _ in held}) == len(held)
    del held
    gc.collect()
    assert len({id(x.array) for x, _ in loader}) <= 3  # dropped each step: recycled


def test_pytorch_mnist_example_runs_with_likelygrad_as_torch(home, tmp_path):
    """PyTorch's examples/mnist/main.py, with an MLP for the conv net, run as written."""
    import likelygrad as torch
    import likelygrad.nn as nn
    import likelygrad.nn.functional as F
    import likelygrad.optim as optim
    from likelygrad.optim.lr_scheduler import StepLR
    from likelygrad.vision import datasets, transforms

    write_set(tmp_path / "data" / "MNIST" / "raw", n_train=256, n_test=64)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 64)
            self.dropout = nn.Dropout(0.25)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            x = torch.flatten(x, 1)
            x = self.dropout(F.relu(self.fc1(x)))
            return F.log_softmax(self.fc2(x), 1)  # the example says dim=1: see the report

    torch.manual_seed(1)
    transform = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]
    )
    dataset1 = datasets.MNIST(tmp_path / "data", train=True, download=True, transform=transform)
    dataset2 = datasets.MNIST(tmp_path / "data", train=False, transform=transform)
    train_kwargs = {"batch_size": 64, "shuffle": True, "num_workers": 1, "pin_memory": True}
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, batch_size=1000)
    model = Net().to("cpu")
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    for _epoch in range(1, 4):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        test_loss, correct = 0.0, 0
        with torch.no_grad():
            for data, target in test_loader:
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        scheduler.step()
    assert np.mean(losses[-4:]) < np.mean(losses[:4]) and 0 <= correct <= 64
    assert scheduler.get_last_lr() == [pytest.approx(0.7**3)]
    torch.save(model.state_dict(), tmp_path / "mnist_cnn.pt")
    again = Net()
    again.load_state_dict(torch.load(tmp_path / "mnist_cnn.pt"))
    x = next(iter(test_loader))[0]
    again.eval()
    assert np.array_equal(again(x).numpy(), model(x).numpy())


def test_dataset_prints_as_torchvisions(home, tmp_path):
    write_set(tmp_path / "FashionMNIST" / "raw")
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = datasets.FashionMNIST(tmp_path, train=False, transform=tf, target_transform=int)
    assert repr(ds).splitlines()[1:] == [
        "    Number of datapoints: 12",
        f"    Root location: {tmp_path}",
        "    Split: Test",
        "    StandardTransform",  # torchvision indents only the block's first line
        "Transform: Compose(",
        "               ToTensor()",
        "               Normalize(mean=(0.5,), std=(0.5,))",
        "           )",
        f"Target transform: {int!r}",
    ]
