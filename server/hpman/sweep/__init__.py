"""Sweeps: `hpman sweep` runs a program once per trial, on Optuna, with values for the
hyperparameters whose hints describe a search space (see cli.py, worker.py, runner.py).

Hooks for other features (run records): `worker.trial_hooks` (objects told when each
trial starts and ends) and `hpman.trial.report_listeners` (every `hpman.report` call).
"""
