"""Run as a script: a tiny Rainbow run killed (os._exit, no clean-up, as kill -9) right
after one of the two writes of its second checkpoint: `replay` (the replay's, before the
weights') or `weights` (the weights', before anything after it)."""
import os
import sys

from tests.runtime.tiny_run import configure
from tfrainbow.runtime.train_rainbow import RainbowTrainer


def main(root_dir: str, point: str):
    configure("RainbowTrainer.checkpoint_interval = 1000", "RainbowTrainer.max_env_steps = 5000",
              "ReplayConfig.max_size = 10000")
    trainer = RainbowTrainer(root_dir)
    saves = {"replay": 0, "weights": 0}
    checkpoint, save = trainer.client.checkpoint, trainer.manager.save

    def counted(kind, write):
        def call(*args, **kwargs):
            out = write(*args, **kwargs)
            saves[kind] += 1
            if kind == point and saves[kind] == 2:
                os._exit(9)
            return out
        return call

    trainer.client.checkpoint = counted("replay", checkpoint)
    trainer.manager.save = counted("weights", save)
    trainer.run()


if __name__ == "__main__":
    main(*sys.argv[1:])
