//! The WSDL of `processxml.asmx` (`GET processxml.asmx?wsdl`), written here from the operations
//! Twinfield publishes for its ProcessXml web service (reference §2): `ProcessXmlString` (the
//! request document as a string, the result document as a string), `ProcessXmlDocument` (both
//! as XML), `ProcessXmlCompressed` (both as base64 of a compressed string), each with the
//! `Header` SOAP header (`AccessToken`, `CompanyCode`, `CompanyId`, or the older `SessionID`),
//! in the `http://www.twinfield.com/` namespace, with SOAP 1.1 and SOAP 1.2 bindings. The
//! service address is the cluster answering, so a client that loads the WSDL talks to it.

/// The WSDL with `address` (the cluster's `…/webservices/processxml.asmx`) as the endpoint.
pub(crate) fn processxml_wsdl(address: &str) -> String {
    let address = crate::twinfield::xml::escape_text(address);
    let operations = [
        "ProcessXmlString",
        "ProcessXmlDocument",
        "ProcessXmlCompressed",
    ];
    let mut messages = String::new();
    let mut port_ops = String::new();
    let mut soap11_ops = String::new();
    let mut soap12_ops = String::new();
    for op in operations {
        messages.push_str(&format!(
            r#"<wsdl:message name="{op}SoapIn"><wsdl:part name="parameters" element="tns:{op}"/></wsdl:message><wsdl:message name="{op}SoapOut"><wsdl:part name="parameters" element="tns:{op}Response"/></wsdl:message><wsdl:message name="{op}Header"><wsdl:part name="Header" element="tns:Header"/></wsdl:message>"#
        ));
        port_ops.push_str(&format!(
            r#"<wsdl:operation name="{op}"><wsdl:input message="tns:{op}SoapIn"/><wsdl:output message="tns:{op}SoapOut"/></wsdl:operation>"#
        ));
        for (ns, out) in [("soap", &mut soap11_ops), ("soap12", &mut soap12_ops)] {
            out.push_str(&format!(
                r#"<wsdl:operation name="{op}"><{ns}:operation soapAction="http://www.twinfield.com/{op}" style="document"/><wsdl:input><{ns}:body use="literal"/><{ns}:header message="tns:{op}Header" part="Header" use="literal"/></wsdl:input><wsdl:output><{ns}:body use="literal"/></wsdl:output></wsdl:operation>"#
            ));
        }
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://www.twinfield.com/" targetNamespace="http://www.twinfield.com/">
<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="http://www.twinfield.com/">
<s:element name="ProcessXmlString"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="xmlRequest" type="s:string"/></s:sequence></s:complexType></s:element>
<s:element name="ProcessXmlStringResponse"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="ProcessXmlStringResult" type="s:string"/></s:sequence></s:complexType></s:element>
<s:element name="ProcessXmlDocument"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="xmlRequest"><s:complexType mixed="true"><s:sequence><s:any/></s:sequence></s:complexType></s:element></s:sequence></s:complexType></s:element>
<s:element name="ProcessXmlDocumentResponse"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="ProcessXmlDocumentResult"><s:complexType mixed="true"><s:sequence><s:any/></s:sequence></s:complexType></s:element></s:sequence></s:complexType></s:element>
<s:element name="ProcessXmlCompressed"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="xmlRequest" type="s:base64Binary"/></s:sequence></s:complexType></s:element>
<s:element name="ProcessXmlCompressedResponse"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="ProcessXmlCompressedResult" type="s:base64Binary"/></s:sequence></s:complexType></s:element>
<s:element name="Header" type="tns:Header"/>
<s:complexType name="Header"><s:sequence><s:element minOccurs="0" maxOccurs="1" name="SessionID" type="s:string"/><s:element minOccurs="0" maxOccurs="1" name="AccessToken" type="s:string"/><s:element minOccurs="0" maxOccurs="1" name="CompanyCode" type="s:string"/><s:element minOccurs="0" maxOccurs="1" name="CompanyId" type="s:string"/></s:sequence><s:anyAttribute/></s:complexType>
</s:schema></wsdl:types>
{messages}
<wsdl:portType name="ProcessXmlSoap">{port_ops}</wsdl:portType>
<wsdl:binding name="ProcessXmlSoap" type="tns:ProcessXmlSoap"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>{soap11_ops}</wsdl:binding>
<wsdl:binding name="ProcessXmlSoap12" type="tns:ProcessXmlSoap"><soap12:binding transport="http://schemas.xmlsoap.org/soap/http"/>{soap12_ops}</wsdl:binding>
<wsdl:service name="ProcessXml"><wsdl:port name="ProcessXmlSoap" binding="tns:ProcessXmlSoap"><soap:address location="{address}"/></wsdl:port><wsdl:port name="ProcessXmlSoap12" binding="tns:ProcessXmlSoap12"><soap12:address location="{address}"/></wsdl:port></wsdl:service>
</wsdl:definitions>
"#
    )
}
