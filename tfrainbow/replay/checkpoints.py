"""The replay's Reverb checkpoint and the weights' checkpoint as one unit.

Reverb keeps only its newest replay checkpoint (root_dir/replay/<time>/), written apart
from the weights' (root_dir/checkpoints/ckpt-N), so a kill or a full disk between the two
writes would resume counters of one save with the replay of another. Each replay
checkpoint is therefore also kept, by hard links (no copy), as root_dir/replay_kept/N, the
number of the weights checkpoint written right after it; a resume loads the replay kept for
the weights it restores, whatever Reverb's own directory holds. A replay kept for weights
that were never written (the kill came between) is dropped, as is one older than the
newest weights.
"""
import os
import shutil
from typing import Optional, Tuple

import reverb

KEPT = "replay_kept"


class PairedReplayCheckpoints:
    """root_dir/replay (Reverb's) and root_dir/replay_kept/N (one per weights checkpoint)."""

    def __init__(self, root_dir: str):
        self.replay_dir = os.path.join(root_dir, "replay")
        self.kept_dir = os.path.join(root_dir, KEPT)

    def kept(self, number: int) -> str:
        """Where the replay saved with weights checkpoint `number` is kept."""
        return os.path.join(self.kept_dir, str(int(number)))

    def checkpointer(self, weights_number: Optional[int]) -> Tuple[
            reverb.checkpointers.DefaultCheckpointer, str]:
        """The checkpointer for the server of a run whose restored weights are checkpoint
        `weights_number` (None: a fresh run), and what it will restore, said for the resume
        line ('' when the replay is the one saved with those weights, or there is none)."""
        stale = self._reverb_checkpoints()
        if weights_number is not None and os.path.isdir(self.kept(weights_number)):
            # Reverb loads the fallback only from an empty directory.
            self._remove(stale)
            return reverb.checkpointers.DefaultCheckpointer(
                self.replay_dir, fallback_checkpoint_path=self.kept(weights_number)), ""
        if weights_number is None:
            note = (" (a replay saved without its weights, by a save cut short, was dropped)"
                    if stale else "")
            self._remove(stale)
            return reverb.checkpointers.DefaultCheckpointer(self.replay_dir), note
        note = (" (the replay is the newest one saved, not paired with these weights: the run "
                "directory predates paired replay checkpoints)" if stale else
                " (no replay was saved with these weights: replay starts empty)")
        return reverb.checkpointers.DefaultCheckpointer(self.replay_dir), note

    def keep(self, replay_path: str, number: int):
        """Keeps Reverb's new checkpoint `replay_path` as replay_kept/<number> (hard links;
        a copy where the file system has none), complete or not at all."""
        target, staging = self.kept(number), self.kept(number) + ".tmp"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        for name in sorted(os.listdir(replay_path)):
            source = os.path.join(replay_path, name)
            try:
                os.link(source, os.path.join(staging, name))
            except OSError:
                shutil.copy2(source, os.path.join(staging, name))
        shutil.rmtree(target, ignore_errors=True)
        os.rename(staging, target)

    def prune(self, weights_number: int):
        """Drops the kept replays of weights older than checkpoint `weights_number`."""
        if not os.path.isdir(self.kept_dir):
            return
        for name in os.listdir(self.kept_dir):
            if not name.isdigit() or int(name) < weights_number:
                shutil.rmtree(os.path.join(self.kept_dir, name), ignore_errors=True)

    def remove_partial(self):
        """Removes what a save cut short left: Reverb's checkpoint directories without their
        DONE marker, and a kept replay still being staged."""
        for path in self._reverb_checkpoints():
            if not os.path.exists(os.path.join(path, "DONE")):
                shutil.rmtree(path, ignore_errors=True)
        if os.path.isdir(self.kept_dir):
            for name in os.listdir(self.kept_dir):
                if name.endswith(".tmp"):
                    shutil.rmtree(os.path.join(self.kept_dir, name), ignore_errors=True)

    def _reverb_checkpoints(self):
        if not os.path.isdir(self.replay_dir):
            return []
        return [os.path.join(self.replay_dir, n) for n in os.listdir(self.replay_dir)]

    @staticmethod
    def _remove(paths):
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)


def checkpoint_number(path: Optional[str]) -> Optional[int]:
    """N of a TF checkpoint path '.../ckpt-N' (None for None)."""
    return None if path is None else int(path.rsplit("-", 1)[1])
