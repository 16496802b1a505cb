def train():
    w = torch.zeros(3, 1, requires_grad=True)
    for _ in range(3):
        loss = F.mse_loss(x @ w, y)
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad = None
    return locals()
