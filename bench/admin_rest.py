"""The bench scripts' admin REST client: calls that must succeed, timed repeats and quantiles.
bench/friends.py and bench/members.py share it."""

import os
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from util import ADMIN, SDKAPPID, usersig  # noqa: E402


class AdminRest:
    """Posts v4/<api> as the app admin on one keep-alive session; a call that does not answer
    ErrorCode 0 ends the script, named by `who`."""

    def __init__(self, port, who):
        self.port, self.who = port, who
        self.session = requests.Session()
        self.sig = usersig(ADMIN)

    def call(self, api, body):
        r = self.session.post(f"http://127.0.0.1:{self.port}/v4/{api}", json=body,
                              params={"sdkappid": SDKAPPID, "identifier": ADMIN,
                                      "usersig": self.sig, "random": 1, "contenttype": "json"})
        answer = r.json()
        if answer.get("ErrorCode") != 0:
            sys.exit(f"{self.who}: {api}: {answer}")
        return answer

    def timed(self, api, body, n):
        """The request → answer times of n calls, in ms, sorted."""
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            self.call(api, body)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        return times


def ms(times, q):
    """Quantile q of sorted times, two decimals."""
    return f"{times[min(len(times) - 1, int(q * len(times)))]:.2f}"
