"""exactonline (PyPI, ossobv) against the Exact Online simulator of `grootboek sim`.

The client's documented basics: its storage holding the OAuth tokens (obtained from the
simulator's control API instead of a browser consent), a list that runs over several pages
(`__next`), a read by relation code, a create, and the created relation read back. Exits
non-zero on the first broken expectation.
"""

import json
import os
import sys
import time
import urllib.request

import exactonline.rawapi
from exactonline.api import ExactApi
from exactonline.storage.base import ExactOnlineConfig, MissingSetting

BASE = os.environ["GROOTBOEK_SIM_EXACT"]
DIVISION = 123456
CLIENT_ID = "real-client-check"
CLIENT_SECRET = "real-client-secret"
CUSTOMERS = 75  # more than one page of 60

# The simulator speaks plain HTTP on loopback; the client insists on HTTPS with a verified
# certificate for Exact's real hosts. Only that transport option is relaxed, nothing else.
exactonline.rawapi.opt_secure.protocols = ("http", "https")
exactonline.rawapi.opt_secure.verify_cert = False


def check(what, got, expected):
    if got != expected:
        print(f"FAIL {what}: got {got!r}, expected {expected!r}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {what}")


def control(path, body):
    req = urllib.request.Request(
        BASE + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req) as r:
        return json.load(r)


class MemoryStorage(ExactOnlineConfig):
    """The client's storage interface (`get`/`set` of section and option), in memory."""

    def __init__(self, values):
        self.values = values

    def get(self, section, option):
        try:
            return self.values[(section, option)]
        except KeyError:
            raise MissingSetting(f"{section}.{option}")

    def set(self, section, option, value):
        self.values[(section, option)] = value


def main():
    control(
        "/__sim/seed",
        {
            "divisions": [
                {"code": DIVISION, "description": "Real client check", "country": "NL", "currency": "EUR"}
            ],
            "current_division": DIVISION,
            "apps": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uri": "http://localhost/callback",
                    "webhook_secret": "unused",
                    "divisions": [DIVISION],
                }
            ],
            "accounts": [
                {"division": DIVISION, "code": str(100 + n), "name": f"Klant {n:03d}", "country": "NL"}
                for n in range(CUSTOMERS)
            ],
        },
    )
    tokens = control("/__sim/tokens", {"client_id": CLIENT_ID})
    storage = MemoryStorage(
        {
            ("server", "auth_url"): BASE + "/api/oauth2/auth",
            ("server", "rest_url"): BASE + "/api",
            ("server", "token_url"): BASE + "/api/oauth2/token",
            ("application", "base_url"): "http://localhost",
            ("application", "client_id"): CLIENT_ID,
            ("application", "client_secret"): CLIENT_SECRET,
            ("transient", "access_token"): tokens["access_token"],
            ("transient", "refresh_token"): tokens["refresh_token"],
            ("transient", "access_expiry"): str(int(time.time()) + 500),
            ("transient", "division"): str(DIVISION),
        }
    )
    api = ExactApi(storage=storage)

    # A list over several pages: the client follows `__next`.
    relations = api.relations.all()
    check("relations listed over the pages", len(relations), CUSTOMERS)
    codes = sorted(r["Code"] for r in relations)
    check("codes padded as Exact pads them", codes[0], f"{'100':>18}")
    check("every relation once", len(set(codes)), CUSTOMERS)

    # A read by relation code.
    one = api.relations.get(relation_code="142")
    check("read by code", one["Name"], "Klant 042")

    # A create, then the relation read back by its code.
    created = api.relations.create({"Code": "9001", "Name": "Client Test BV", "Status": "C"})
    # The client sends no `Prefer: return=representation`, so Exact answers the POST with the
    # new row's key and most other properties null (Exact KB "Tips and Tricks", reference §3.1):
    # only the ID is there to check; the rest is read back.
    check("created id given", bool(created.get("ID")), True)
    back = api.relations.get(relation_code="9001")
    check("read back id", back["ID"], created["ID"])
    check("read back name", back["Name"], "Client Test BV")


if __name__ == "__main__":
    main()
