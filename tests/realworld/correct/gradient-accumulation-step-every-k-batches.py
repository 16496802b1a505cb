# source: https://discuss.pytorch.org/t/pytorch-gradient-accumulation/55955
# idiom: gradient accumulation on purpose: backward() on every batch, one optimizer.step() and model.zero_grad() every accumulation_steps batches
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loss_function = nn.MSELoss()
training_set = [(torch.randn(4, 5), torch.randn(4, 1)) for _ in range(6)]
accumulation_steps = 3
model.zero_grad()  # Reset gradients tensors
for i, (inputs, labels) in enumerate(training_set):
    predictions = model(inputs)  # Forward pass
    loss = loss_function(predictions, labels)  # Compute loss function
    loss = loss / accumulation_steps  # Normalize our loss (if averaged)
    loss.backward()  # Backward pass
    if (i + 1) % accumulation_steps == 0:  # Wait for several backward steps
        optimizer.step()  # Now we can do an optimizer step
        model.zero_grad()  # Reset gradients tensors
print(f"loss {loss.item():.3f}")
