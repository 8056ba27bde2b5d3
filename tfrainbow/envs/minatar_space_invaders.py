"""MinAtar's SpaceInvaders (minatar 1.0.15, `minatar/environments/space_invaders.py`) with its
per-step array shifts done in place by slicing instead of `np.roll`: the same game, step for
step (tests/envs/test_minatar.py plays the two side by side and compares every state), for
less. SpaceInvaders is the slowest MinAtar game to step, and the three `np.roll` calls per
step took about half of its game code's time (benchmarks/README.md measures both)."""
import numpy as np
from minatar.environments import space_invaders

SHOT_COOL_DOWN = space_invaders.shot_cool_down
ENEMY_SHOT_INTERVAL = space_invaders.enemy_shot_interval


def shift_rows(grid: np.ndarray, down: bool, wrap: bool):
    """np.roll(grid, 1 if down else -1, axis=0) in place; the row that enters is the one that
    left (wrap) or zeros."""
    entering = (grid[-1] if down else grid[0]).copy() if wrap else 0
    if down:
        grid[1:] = grid[:-1]  # numpy copies overlapping slices as if through a buffer
        grid[0] = entering
    else:
        grid[:-1] = grid[1:]
        grid[-1] = entering


def shift_columns(grid: np.ndarray, step: int):
    """np.roll(grid, step, axis=1) in place for step = +1 or -1 (wrapping)."""
    if step > 0:
        entering = grid[:, -1].copy()
        grid[:, 1:] = grid[:, :-1]
        grid[:, 0] = entering
    else:
        entering = grid[:, 0].copy()
        grid[:, :-1] = grid[:, 1:]
        grid[:, -1] = entering


class Env(space_invaders.Env):
    """minatar's SpaceInvaders Env; `act` is its `act` line for line, with the shifts above
    and `.any()` / `.sum()` for `np.sum(...) > 0` / `np.sum(...)` on the 0/1 maps."""

    def act(self, a):
        """One frame of action index `a`: (reward, terminal), as minatar's Env.act."""
        r = 0
        if self.terminal:
            return r, self.terminal
        a = self.action_map[a]

        # The player's action.
        if a == 'f' and self.shot_timer == 0:
            self.f_bullet_map[9, self.pos] = 1
            self.shot_timer = SHOT_COOL_DOWN
        elif a == 'l':
            self.pos = max(0, self.pos - 1)
        elif a == 'r':
            self.pos = min(9, self.pos + 1)

        # Friendly bullets move up a row, enemy bullets down; neither wraps.
        shift_rows(self.f_bullet_map, down=False, wrap=False)
        shift_rows(self.e_bullet_map, down=True, wrap=False)
        if self.e_bullet_map[9, self.pos]:
            self.terminal = True

        # The aliens: sideways until one reaches an edge, then a row down (np.roll wraps).
        alien_map = self.alien_map
        if alien_map[9, self.pos]:
            self.terminal = True
        if self.alien_move_timer == 0:
            self.alien_move_timer = min(np.count_nonzero(alien_map), self.enemy_move_interval)
            if ((alien_map[:, 0].any() and self.alien_dir < 0)
                    or (alien_map[:, 9].any() and self.alien_dir > 0)):
                self.alien_dir = -self.alien_dir
                if alien_map[9, :].any():
                    self.terminal = True
                shift_rows(alien_map, down=True, wrap=True)
            else:
                shift_columns(alien_map, self.alien_dir)
            if alien_map[9, self.pos]:
                self.terminal = True
        if self.alien_shot_timer == 0:
            self.alien_shot_timer = ENEMY_SHOT_INTERVAL
            nearest_alien = self._nearest_alien(self.pos)
            self.e_bullet_map[nearest_alien[0], nearest_alien[1]] = 1

        kill_locations = np.logical_and(alien_map, alien_map == self.f_bullet_map)
        r += kill_locations.sum()
        alien_map[kill_locations] = self.f_bullet_map[kill_locations] = 0

        # Timers, and a new wave once the last alien is shot.
        self.shot_timer -= self.shot_timer > 0
        self.alien_move_timer -= 1
        self.alien_shot_timer -= 1
        if np.count_nonzero(alien_map) == 0:
            if self.enemy_move_interval > 6 and self.ramping:
                self.enemy_move_interval -= 1
                self.ramp_index += 1
            alien_map[0:4, 2:8] = 1
        return r, self.terminal
