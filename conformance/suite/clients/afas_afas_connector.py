"""afas-connector (PyPI) against the AFAS simulator of `grootboek sim`.

The client's documented basics: AfasToken authentication, a GetConnector list paged with
take/skip and sorted, a filtered read, an UpdateConnector create, and the created debtor read
back. Exits non-zero on the first broken expectation.
"""

import json
import os
import sys
import urllib.request

from afas_connector import AfasConnector, AfasFilter

BASE = os.environ["GROOTBOEK_SIM_AFAS_PROFIT"]
CONTROL = os.environ["GROOTBOEK_SIM_AFAS_CONTROL"]


def check(what, got, expected):
    if got != expected:
        print(f"FAIL {what}: got {got!r}, expected {expected!r}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {what}")


def main():
    token = json.load(urllib.request.urlopen(CONTROL + "/token"))["token"]
    client = AfasConnector(connector_url=BASE + "/connectors", token=token)

    # A list in pages of two, sorted on the invoice number.
    pages = []
    for skip in (0, 2, 4):
        status, page = client.get(
            "Profit_Debtor_Invoices", take=2, skip=skip, order_by="InvoiceNr"
        )
        check(f"GET page at skip {skip} status", status, 200)
        pages.append([row["InvoiceNr"] for row in page["rows"]])
    check("pages", pages, [["IH000101", "IH000102"], ["IH000103"], []])

    # A filtered read: one debtor's open items, with its open amounts exact.
    status, page = client.get(
        "Profit_Debtor_Invoices",
        take=100,
        skip=0,
        filters=[AfasFilter("DebtorId", "10001")],
    )
    check("filtered read status", status, 200)
    rows = {r["InvoiceNr"]: r for r in page["rows"]}
    check("debtor 10001 invoices", sorted(rows), ["IH000101", "IH000102"])
    check("open amount of IH000102", str(rows["IH000102"]["Balance"]), "1113.56")

    # A create through the UpdateConnector, then the debtor read back.
    debtor = {
        "KnSalesRelationOrg": {
            "Element": {
                "Fields": {
                    "IsDb": True,
                    "PaCd": "30",
                    "CuId": "EUR",
                    "ColA": "1300",
                    "InPv": "E",
                    "VaDu": "1",
                },
                "Objects": {
                    "KnOrganisation": {
                        "Element": {
                            "Fields": {
                                "PadAdr": True,
                                "AutoNum": True,
                                "MatchOga": "6",
                                "Nm": "Client Test BV",
                                "EmAd": "boekhouding@clienttest.example",
                            },
                            "Objects": {
                                "KnBasicAddressAdr": {
                                    "Element": {
                                        "Fields": {
                                            "PbAd": False,
                                            "Ad": "Kanaalweg",
                                            "HmNr": 7,
                                            "ZpCd": "3526KL",
                                            "CoId": "NL",
                                            "Rs": "Utrecht",
                                            "ResZip": False,
                                        }
                                    }
                                }
                            },
                        }
                    }
                },
            }
        }
    }
    status, created = client.post("KnSalesRelationOrg", debtor)
    check("POST KnSalesRelationOrg status", status, 201)
    debtor_id = created["results"]["KnSalesRelationOrg"]["DbId"]
    status, page = client.get(
        "Profit_Debtor", take=10, skip=0, filters=[AfasFilter("DebtorId", debtor_id)]
    )
    check("read back status", status, 200)
    check("read back rows", len(page["rows"]), 1)
    check("read back name", page["rows"][0]["DebtorName"], "Client Test BV")


if __name__ == "__main__":
    main()
