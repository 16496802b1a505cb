def two_heads():
    body, head_a, head_b = nn.Linear(3, 8), nn.Linear(8, 1), nn.Linear(8, 1)
    optimizer = torch.optim.SGD([*body.parameters(), *head_a.parameters(),
                                 *head_b.parameters()], lr=0.1)
    features = torch.relu(body(x))
    loss_a = F.mse_loss(head_a(features), y)
    loss_b = F.mse_loss(head_b(features), -y)
    loss = loss_a + loss_b
    loss.backward()
    return locals()
