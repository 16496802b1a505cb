"""Two processes train a model with a layer the loss never uses, under DistributedDataParallel
(gloo, on the CPU): with and without `find_unused_parameters`. Lesson 09 runs this file."""

import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn


class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.unused = nn.Linear(3, 1), nn.Linear(3, 1)

    def forward(self, x):
        return self.used(x)  # self.unused never takes part


def run(rank, find_unused, lines):
    dist.init_process_group("gloo", rank=rank, world_size=2)
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(TwoLayers(), find_unused_parameters=find_unused)
    torch.manual_seed(rank)  # each rank its own data
    for step in (1, 2):
        x, y = torch.randn(4, 3), torch.randn(4, 1)
        try:
            model.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            lines.append(f"rank {rank}, step {step}: used.weight.grad sums to "
                         f"{model.module.used.weight.grad.sum().item():.4f}")
        except RuntimeError as error:
            lines.append(f"rank {rank}, step {step}: {str(error).split('. ')[0]}")
    dist.destroy_process_group()


if __name__ == "__main__":
    port = sys.argv[1] if len(sys.argv) > 1 else "29517"  # python ddp_unused.py [PORT]
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
    for find_unused in (False, True):
        with mp.Manager() as manager:
            lines = manager.list()
            mp.start_processes(run, args=(find_unused, lines), nprocs=2, start_method="fork")
            print(f"find_unused_parameters={find_unused}:")
            print("\n".join(f"  {line}" for line in sorted(lines)))
