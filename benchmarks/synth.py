"""A synthetic plan of any size, for the benchmarks.

The texts come from the example plan (``content/``), so their lengths, their Markdown and their
Arabic are real: its actions are dealt again, cyclically, into a new tree of priorities, objectifs
généraux and objectifs spécifiques (three actions per objectif spécifique, two objectifs spécifiques
per objectif général), with fresh codes and budgets. Every field is filled; the plan checks clean.

    python -m benchmarks.synth 90 /tmp/plan-90
"""

from __future__ import annotations

import argparse
import copy
import math
import shutil
from pathlib import Path

from ruamel.yaml import YAML

EXAMPLE = Path(__file__).resolve().parent.parent / "content"
ACTIONS_PER_OS, OS_PER_OG = 3, 2


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096
    return yaml


def generate(actions: int, out: Path | str) -> Path:
    """Write a plan folder of ``actions`` actions into ``out`` (created; must not exist)."""
    if actions < 1:
        raise ValueError("at least one action")
    out = Path(out)
    shutil.copytree(EXAMPLE, out)
    yaml = _yaml()
    plan = yaml.load((EXAMPLE / "plan.yaml").read_text(encoding="utf-8"))
    pool_actions = [a for p in plan["priorites"] for og in p["objectifs_generaux"]
                    for os_ in og["objectifs_specifiques"] for a in os_["actions"]]
    pool_os = [os_ for p in plan["priorites"] for og in p["objectifs_generaux"] for os_ in og["objectifs_specifiques"]]
    pool_og = [og for p in plan["priorites"] for og in p["objectifs_generaux"]]

    n_os = math.ceil(actions / ACTIONS_PER_OS)
    n_og = max(3, math.ceil(n_os / OS_PER_OG))
    priorities = [copy.deepcopy(p) for p in plan["priorites"]]
    for p in priorities:
        p["objectifs_generaux"] = []
    dealt = 0
    for g in range(n_og):
        prio = priorities[g % 3]
        pi, gi = g % 3 + 1, len(prio["objectifs_generaux"]) + 1
        og = copy.deepcopy(pool_og[g % len(pool_og)])
        og["code"], og["objectifs_specifiques"] = f"OG{pi}.{gi}", []
        for s in range(OS_PER_OG):
            if dealt >= actions:
                break
            os_ = copy.deepcopy(pool_os[(g * OS_PER_OG + s) % len(pool_os)])
            os_["code"], os_["actions"] = f"OS{pi}.{gi}.{s + 1}", []
            for a in range(ACTIONS_PER_OS):
                if dealt >= actions:
                    break
                action = copy.deepcopy(pool_actions[dealt % len(pool_actions)])
                action["code"] = f"A{pi}.{gi}.{s + 1}.{a + 1}"
                action["rang"] = a + 1
                action["budget"]["montant"] = 10000 + (dealt * 7919) % 490000
                os_["actions"].append(action)
                dealt += 1
            og["objectifs_specifiques"].append(os_)
        if og["objectifs_specifiques"]:
            prio["objectifs_generaux"].append(og)
    plan["priorites"] = [p for p in priorities if p["objectifs_generaux"]]
    with (out / "plan.yaml").open("w", encoding="utf-8") as handle:
        yaml.dump(plan, handle)
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m benchmarks.synth N OUT``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("actions", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    print(generate(args.actions, args.out))


if __name__ == "__main__":
    main()
