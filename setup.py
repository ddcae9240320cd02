"""What pyproject.toml cannot say: the public configuration in config/ ships inside the wheel.

config/ stays at the top of the repository, where the demo, the tests and the docs read it;
in the wheel it becomes the package data vik/starter, which `vik init DIR` copies into a new
home folder. Everything else about the package is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

STARTER = "vik.starter"

setup(
    packages=[
        *find_namespace_packages(include=["vik", "vik.*"]),
        STARTER,
        *(f"{STARTER}.{folder}" for folder in find_namespace_packages(where="config")),
    ],
    package_dir={STARTER: "config"},
)
