"""The datasets, DataLoader and transforms pages: indexing a dataset, a custom Dataset, one-hot
targets by Lambda + scatter_, iterating a shuffled DataLoader, images handed to matplotlib."""

# ruff: noqa: B007, UP008, UP032 (the tutorials' own spelling, kept)

import numpy as np

import likelygrad as torch
from likelygrad.utils.data import DataLoader, Dataset
from likelygrad.vision import datasets
from likelygrad.vision.transforms import Lambda, ToTensor

torch.manual_seed(0)
training_data = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
print(training_data)

labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat", 5: "Sandal",
              6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}  # fmt: skip
for i in range(1, 4):
    sample_idx = torch.randint(len(training_data), size=(1,)).item()
    img, label = training_data[sample_idx]
    picture = np.asarray(img.squeeze())  # what plt.imshow(img.squeeze(), cmap="gray") reads
    print(labels_map[label], picture.shape, picture.dtype, f"{float(picture.max()):.2f}")


class CustomImageDataset(Dataset):
    def __init__(self, images, labels, transform=None, target_transform=None):
        self.img_labels = labels
        self.images = images
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        image = self.images[idx]
        label = self.img_labels[idx]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


one_hot = Lambda(
    lambda y: torch.zeros(10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1)
)
custom = CustomImageDataset(
    training_data.data[:256].numpy(),
    training_data.targets[:256].tolist(),
    transform=ToTensor(),
    target_transform=one_hot,
)
ds = datasets.FashionMNIST(
    root="data",
    train=True,
    download=True,
    transform=ToTensor(),
    target_transform=Lambda(
        lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)
    ),
)
print(ds[0][1], custom[0][1])

for loader in (DataLoader(custom, batch_size=64, shuffle=True), DataLoader(ds, batch_size=64)):
    train_features, train_labels = next(iter(loader))
    print(f"Feature batch shape: {train_features.size()}")
    print(f"Labels batch shape: {train_labels.size()}")
    img = train_features[0].squeeze()
    label = train_labels[0]
    print(f"Label: {label}")
    print(tuple(img.shape), label.argmax().item() in range(10))
