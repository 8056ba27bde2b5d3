"""MinAtar (Young & Tian 2019): 10x10 versions of five Atari games, boolean observations
[10, 10, C] with one channel per kind of object, no frame skip (a frame is an env step).

`MinAtar/<Game>-v0` plays the full action set of 6 (as MinAtar's `Environment`, Revisiting
Rainbow and Dopamine do), `-v1` the game's minimal set; both keep MinAtar's defaults of
sticky actions (p = 0.1) and difficulty ramping. The ids are registered on first use, so
`make_env("MinAtar/Breakout-v0")` needs no import by the user.
"""
import warnings

import gymnasium as gym

GAMES = ("Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders")


def register():
    """Registers the MinAtar/... gymnasium ids (minatar's own registration), once, and
    quiets gymnasium's "out of date" warning for the -v0 ids."""
    # gymnasium calls every id below the highest registered version "out of date"; -v0 is
    # the full action set the benchmarks play on purpose, not an older -v1.
    warnings.filterwarnings("ignore", message=r".*The environment MinAtar/\w+-v0 is out of date",
                            category=DeprecationWarning)
    if "MinAtar/Breakout-v0" not in gym.registry:
        from minatar import gym as minatar_gym

        minatar_gym.register_envs()


def use_faster_games(env):
    """Puts the faster, step-for-step identical port of a MinAtar game where there is one
    (SpaceInvaders: tfrainbow.envs.minatar_space_invaders) into a made MinAtar env."""
    game = env.unwrapped.game  # minatar.Environment
    if game.env_name == "space_invaders":
        from tfrainbow.envs import minatar_space_invaders

        port = minatar_space_invaders.Env(ramping=game.env.ramping)
        port.random = game.env.random  # Environment.seed() reseeds both alike
        game.env = port
    return env
