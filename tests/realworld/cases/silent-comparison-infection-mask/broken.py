# source: https://github.com/AgentTorch/AgentTorch/issues/32
# symptom: the initial infection rate is never learned; its .grad stays None while M trains
# expect: non_differentiable
import torch
import torch.nn as nn

torch.manual_seed(0)
INFECTED_VAR = 2.0


class Transition(nn.Module):
    def __init__(self):
        super().__init__()
        self.initial_infection_rate = nn.Parameter(torch.tensor(0.3))
        self.M = nn.Parameter(torch.tensor(0.5))

    def forward(self, draws, current_transition_times, t):
        current_stages = (draws < self.initial_infection_rate).float() * INFECTED_VAR
        recovered_and_dead_mask = (current_stages == INFECTED_VAR) * (current_transition_times <= t)
        new_death_recovered_today = current_stages * recovered_and_dead_mask / INFECTED_VAR
        return self.M * new_death_recovered_today.sum()


model = Transition()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
draws = torch.rand(100)
transition_times = torch.randint(0, 10, (100,)).float()
observed_deaths = torch.tensor(4.0)
for _step in range(3):
    optimizer.zero_grad()
    loss = (model(draws, transition_times, t=5) - observed_deaths) ** 2
    loss.backward()
    optimizer.step()
print(f"rate {model.initial_infection_rate.item():.3f}, M {model.M.item():.3f}")
