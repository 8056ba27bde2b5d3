"""Reference scores for the 57 Atari games and human-normalized scores (HNS).

RANDOM_AND_HUMAN: (random, human) per game, the standard table of Mnih et al. 2015 (Nature,
"Human-level control through deep reinforcement learning", Extended Data Table 2) as
extended to the 57 games by Wang et al. 2016 ("Dueling network architectures", appendix,
no-op starts), and tabulated in DeepMind's dqn_zoo `atari_data.py`: returns over episodes
that start with up to 30 no-ops and stop at 108k frames.

DATA_EFFICIENT_RAINBOW: the per-game scores of data-efficient Rainbow after 100k agent
steps (van Hasselt et al. 2019, "When to use parametric models in reinforcement
learning?", appendix table of per-game scores), the 26 Atari-100k games.

HNS = (score - random) / (human - random): 0 plays like random, 1 like the human tester.
"""
from typing import Dict, Iterable

import numpy as np

RANDOM_AND_HUMAN = {
    "Alien": (227.8, 7127.7), "Amidar": (5.8, 1719.5), "Assault": (222.4, 742.0),
    "Asterix": (210.0, 8503.3), "Asteroids": (719.1, 47388.7),
    "Atlantis": (12850.0, 29028.1), "BankHeist": (14.2, 753.1),
    "BattleZone": (2360.0, 37187.5), "BeamRider": (363.9, 16926.5),
    "Berzerk": (123.7, 2630.4), "Bowling": (23.1, 160.7), "Boxing": (0.1, 12.1),
    "Breakout": (1.7, 30.5), "Centipede": (2090.9, 12017.0),
    "ChopperCommand": (811.0, 7387.8), "CrazyClimber": (10780.5, 35829.4),
    "Defender": (2874.5, 18688.9), "DemonAttack": (152.1, 1971.0),
    "DoubleDunk": (-18.6, -16.4), "Enduro": (0.0, 860.5), "FishingDerby": (-91.7, -38.7),
    "Freeway": (0.0, 29.6), "Frostbite": (65.2, 4334.7), "Gopher": (257.6, 2412.5),
    "Gravitar": (173.0, 3351.4), "Hero": (1027.0, 30826.4), "IceHockey": (-11.2, 0.9),
    "Jamesbond": (29.0, 302.8), "Kangaroo": (52.0, 3035.0), "Krull": (1598.0, 2665.5),
    "KungFuMaster": (258.5, 22736.3), "MontezumaRevenge": (0.0, 4753.3),
    "MsPacman": (307.3, 6951.6), "NameThisGame": (2292.3, 8049.0),
    "Phoenix": (761.4, 7242.6), "Pitfall": (-229.4, 6463.7), "Pong": (-20.7, 14.6),
    "PrivateEye": (24.9, 69571.3), "Qbert": (163.9, 13455.0),
    "Riverraid": (1338.5, 17118.0), "RoadRunner": (11.5, 7845.0),
    "Robotank": (2.2, 11.9), "Seaquest": (68.4, 42054.7), "Skiing": (-17098.1, -4336.9),
    "Solaris": (1236.3, 12326.7), "SpaceInvaders": (148.0, 1668.7),
    "StarGunner": (664.0, 10250.0), "Surround": (-10.0, 6.5), "Tennis": (-23.8, -8.3),
    "TimePilot": (3568.0, 5229.2), "Tutankham": (11.4, 167.6),
    "UpNDown": (533.4, 11693.2), "Venture": (0.0, 1187.5),
    "VideoPinball": (16256.9, 17667.9), "WizardOfWor": (563.5, 4756.5),
    "YarsRevenge": (3092.9, 54576.9), "Zaxxon": (32.5, 9173.3),
}

DATA_EFFICIENT_RAINBOW = {
    "Alien": 739.9, "Amidar": 188.6, "Assault": 431.2, "Asterix": 470.8, "BankHeist": 51.0,
    "BattleZone": 10124.6, "Boxing": 0.2, "Breakout": 1.9, "ChopperCommand": 861.8,
    "CrazyClimber": 16185.3, "DemonAttack": 508.0, "Freeway": 27.9, "Frostbite": 866.8,
    "Gopher": 349.5, "Hero": 6857.0, "Jamesbond": 301.6, "Kangaroo": 779.3, "Krull": 2851.5,
    "KungFuMaster": 14346.1, "MsPacman": 1204.1, "Pong": -19.3, "PrivateEye": 97.8,
    "Qbert": 1152.9, "RoadRunner": 9600.0, "Seaquest": 354.1, "UpNDown": 2877.4,
}


def human_normalized(game: str, score: float) -> float:
    """(score - random) / (human - random) for an Atari game ('Pong', 'SpaceInvaders')."""
    if game not in RANDOM_AND_HUMAN:
        raise KeyError(f"No reference scores for {game!r}; known: the 57 Atari games "
                       f"({', '.join(sorted(RANDOM_AND_HUMAN)[:4])}, ...).")
    random, human = RANDOM_AND_HUMAN[game]
    return (score - random) / (human - random)


def summarize(hns: Iterable[float]) -> Dict[str, float]:
    """Median and mean HNS over games (the Atari literature reports both)."""
    values = np.asarray(list(hns), np.float64)
    return {"games": int(values.size), "median_hns": float(np.median(values)),
            "mean_hns": float(values.mean())}
