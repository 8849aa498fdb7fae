"""zeep (PyPI) against the Twinfield simulator of `grootboek sim`, through the simulator's own
WSDL (`processxml.asmx?wsdl`).

A token is taken from the simulator's control API (instead of the browser consent), its cluster
from the access-token validation endpoint, as every Twinfield client does; zeep then loads the
WSDL from that cluster and calls `ProcessXmlString` with the `Header` SOAP header: the office
list, a customer read, a customer created and read back, and the office list again through the
SOAP 1.2 port. ProcessXml itself has no paging (the
Finder service pages, through `finder.asmx`, whose WSDL the simulator does not serve yet).
Exits non-zero on the first broken expectation.
"""

import json
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from zeep import Client

LOGIN = os.environ["GROOTBOEK_SIM_TWINFIELD_LOGIN"]
OFFICE = "NLA000001"


def check(what, got, expected):
    if got != expected:
        print(f"FAIL {what}: got {got!r}, expected {expected!r}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {what}")


def main():
    req = urllib.request.Request(
        LOGIN + "/__sim/tokens",
        data=json.dumps({"client_id": "grootboek-demo", "organisation": "ORG-A"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    token = json.load(urllib.request.urlopen(req))["access_token"]
    validation = json.load(
        urllib.request.urlopen(
            LOGIN
            + "/auth/authentication/connect/accesstokenvalidation?token="
            + urllib.parse.quote(token)
        )
    )
    cluster = validation["twf.clusterUrl"]

    client = Client(cluster + "/webservices/processxml.asmx?wsdl")
    header_type = client.get_element("{http://www.twinfield.com/}Header")

    def process(document, office=None):
        header = header_type(AccessToken=token, CompanyCode=office)
        result = client.service.ProcessXmlString(xmlRequest=document, _soapheaders=[header])
        return ET.fromstring(result)

    offices = process("<list><type>offices</type></list>")
    codes = [o.text for o in offices.iter("office")]
    check("offices listed", codes, ["NLA000001", "NLA000002"])

    customer = process(
        f"<read><type>dimensions</type><office>{OFFICE}</office><dimtype>DEB</dimtype><code>1000</code></read>",
        OFFICE,
    )
    check("customer read result", customer.get("result"), "1")
    check("customer code", customer.findtext("code"), "1000")

    created = process(
        f"<dimension><office>{OFFICE}</office><type>DEB</type><code>1099</code>"
        "<name>Zeep Klant BV</name></dimension>",
        OFFICE,
    )
    check("create result", created.get("result"), "1")
    back = process(
        f"<read><type>dimensions</type><office>{OFFICE}</office><dimtype>DEB</dimtype><code>1099</code></read>",
        OFFICE,
    )
    check("read back name", back.findtext("name"), "Zeep Klant BV")

    # The same office list through the WSDL's SOAP 1.2 port: zeep sends application/soap+xml and
    # reads the answer only if it comes back as a SOAP 1.2 envelope.
    soap12 = client.bind("ProcessXml", "ProcessXmlSoap12")
    result = soap12.ProcessXmlString(
        xmlRequest="<list><type>offices</type></list>",
        _soapheaders=[header_type(AccessToken=token, CompanyCode=None)],
    )
    codes = [o.text for o in ET.fromstring(result).iter("office")]
    check("offices listed over SOAP 1.2", codes, ["NLA000001", "NLA000002"])


if __name__ == "__main__":
    main()
