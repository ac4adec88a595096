"""deploy/: the Prometheus alert rules and the Grafana dashboard name only metrics (and labels)
that a running chatd exports, so they cannot silently rot."""

import json
import re

import requests

from util import REPO

DEPLOY = REPO / "deploy"
SUFFIXES = ("_bucket", "_sum", "_count")


def exported(chatd):
    """{metric family: set of label names} from /metrics' TYPE lines and samples."""
    page = requests.get(f"{chatd.url}/metrics", timeout=5).text
    families = {m: set() for m in re.findall(r"^# TYPE ((?:chatd|process)_\w+) ", page, re.M)}
    for name, labels in re.findall(r"^((?:chatd|process)_\w+)\{([^}]*)\}", page, re.M):
        base = next((name[:-len(s)] for s in SUFFIXES if name.endswith(s)), name)
        families.setdefault(base, set()).update(re.findall(r"(\w+)=", labels))
    return families


def named(text):
    """(metric family, label names used with it) for every chatd_ and process_ metric in a
    query text."""
    out = []
    # (?!/): not an API path
    for name, labels in re.findall(r"((?:chatd|process)_\w+)\b(?!/)(\{[^}]*\})?", text):
        base = next((name[:-len(s)] for s in SUFFIXES if name.endswith(s)), name)
        out.append((base, set(re.findall(r"(\w+)\s*[!=]~?", labels or "")) - {"instance"}))
    return out


def expressions():
    rules = (DEPLOY / "prometheus" / "alerts.yml").read_text()
    dashboard = json.loads((DEPLOY / "grafana" / "chatd.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    return [("alerts.yml", rules)] + [("chatd.json", e) for e in exprs]


def test_every_metric_named_exists(chatd):
    rest = chatd.rest()
    rest.call("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "x"}]})
    have = exported(chatd)
    missing = [(where, name) for where, text in expressions() for name, _ in named(text)
               if name not in have]
    assert missing == [], missing
    labels = [(where, name, sorted(used - have[name])) for where, text in expressions()
              for name, used in named(text) if name in have and have[name] and used - have[name]]
    assert labels == [], labels


def test_dashboard_is_grafana_json():
    dashboard = json.loads((DEPLOY / "grafana" / "chatd.json").read_text())
    assert dashboard["uid"] == "chatd" and len(dashboard["panels"]) >= 8
    assert all(p["targets"] and p["gridPos"] for p in dashboard["panels"])
