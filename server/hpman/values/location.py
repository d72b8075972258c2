"""Where the editor may read a values file from (the `hpman.valuesFile` setting).

A workspace's own `.vscode/settings.json` can set `hpman.valuesFile`; left
unchecked, opening a folder would make the editor read `/etc/passwd`,
`../secret.yaml` or `/proc/self/environ` and show its key names in
diagnostics. So a path is accepted when it lies inside one of the workspace
folders (after following symlinks), or when the user set it in their own
(user-level) settings. A refused path is named in the message; nothing of
its contents is read.
"""
import os
from typing import Optional, Sequence, Tuple


def _inside(path: str, folder: str) -> bool:
    folder = os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_values_setting(value: Optional[str], folders: Sequence[str], user_level: bool = False
                         ) -> Tuple[Optional[str], Optional[str]]:
    """(absolute path to read, None) for an acceptable `hpman.valuesFile`, (None, message) for a
    refused one, (None, None) when it is not set. A relative path is taken from the first
    folder. `user_level`: the value comes from the user's settings, not the workspace's."""
    if value is None or not str(value).strip():
        return None, None
    text = os.path.expanduser(str(value).strip()) if user_level else str(value).strip()
    if "\x00" in text:
        return None, "hpman.valuesFile is not a usable path"
    base = folders[0] if folders else None
    if not os.path.isabs(text):
        if base is None:
            return None, "hpman.valuesFile `{}` is relative, and there is no workspace folder".format(value)
        text = os.path.join(base, text)
    path = os.path.abspath(text)
    if user_level:
        return path, None
    real = os.path.realpath(path)
    if any(_inside(real, f) for f in folders):
        return path, None
    return None, ("hpman.valuesFile `{}` is outside the workspace folder, so it is not read; a values file "
                  "outside the workspace can be set in the user settings".format(value))
