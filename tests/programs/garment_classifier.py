"""The "Training with PyTorch" page (Introduction to PyTorch series): FashionMNIST through
Normalize((0.5,), (0.5,)), a LeNet-style GarmentClassifier with nn.MaxPool2d, batches of four,
a running loss, validation without gradients, and a checkpoint per better epoch.

The tutorial's TensorBoard writer is left out (likelygrad has none) and the data is cut to
2,000 training images so an epoch takes seconds."""

# ruff: noqa: B007, UP008, UP032 (the tutorials' own spelling, kept)

from datetime import datetime

import numpy as np

import likelygrad as torch
import likelygrad.nn as nn
import likelygrad.nn.functional as F
import likelygrad.vision.transforms as transforms
from likelygrad import vision
from likelygrad.utils.data import Subset

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])

training_set = vision.datasets.FashionMNIST(
    "./data", train=True, transform=transform, download=True
)
validation_set = vision.datasets.FashionMNIST(
    "./data", train=False, transform=transform, download=True
)
training_set = Subset(training_set, range(2000))
validation_set = Subset(validation_set, range(500))

training_loader = torch.utils.data.DataLoader(
    training_set, batch_size=4, shuffle=True, num_workers=2
)
validation_loader = torch.utils.data.DataLoader(
    validation_set, batch_size=4, shuffle=False, num_workers=2
)

classes = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle Boot")  # fmt: skip

print("Training set has {} instances".format(len(training_set)))
print("Validation set has {} instances".format(len(validation_set)))


def matplotlib_imshow(img, one_channel=False):
    if one_channel:
        img = img.mean(dim=0)
    img = img / 2 + 0.5  # unnormalize
    npimg = img.numpy()
    return npimg if one_channel else np.transpose(npimg, (1, 2, 0))


dataiter = iter(training_loader)
images, labels = next(dataiter)
img_grid = vision.utils.make_grid(images)
print(matplotlib_imshow(img_grid, one_channel=True).shape)
print("  ".join(classes[labels[j]] for j in range(4)))


class GarmentClassifier(nn.Module):
    def __init__(self):
        super(GarmentClassifier, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 4 * 4)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


model = GarmentClassifier()

loss_fn = torch.nn.CrossEntropyLoss()
dummy_outputs = torch.rand(4, 10)
dummy_labels = torch.tensor([1, 5, 3, 7])
print(dummy_outputs)
print(dummy_labels)
loss = loss_fn(dummy_outputs, dummy_labels)
print("Total loss for this batch: {}".format(loss.item()))

optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)


def train_one_epoch(epoch_index):
    running_loss = 0.0
    last_loss = 0.0
    for i, data in enumerate(training_loader):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 100 == 99:
            last_loss = running_loss / 100  # loss per batch
            print("  batch {} loss: {}".format(i + 1, last_loss))
            running_loss = 0.0
    return last_loss


timestamp = datetime.now().strftime("%Y%m%d_%H%M%S")
epoch_number = 0
EPOCHS = 2
best_vloss = 1_000_000.0
saved = []

for epoch in range(EPOCHS):
    print("EPOCH {}:".format(epoch_number + 1))
    model.train(True)
    avg_loss = train_one_epoch(epoch_number)

    running_vloss = 0.0
    model.eval()
    with torch.no_grad():
        for i, vdata in enumerate(validation_loader):
            vinputs, vlabels = vdata
            voutputs = model(vinputs)
            vloss = loss_fn(voutputs, vlabels)
            running_vloss += vloss

    avg_vloss = running_vloss / (i + 1)
    print("LOSS train {} valid {}".format(avg_loss, avg_vloss))

    if avg_vloss < best_vloss:
        best_vloss = avg_vloss
        model_path = "model_{}_{}".format(timestamp, epoch_number)
        torch.save(model.state_dict(), model_path)
        saved.append(model_path)

    epoch_number += 1

saved_model = GarmentClassifier()
saved_model.load_state_dict(torch.load(saved[-1]))
