"""Lead fields are stated once (``LeadFields``): the tools' schema, the CSV export and the
dashboard's lead form all derive from ``LEAD_FIELDS``, and stay what they were."""

from __future__ import annotations

from openbrain.agent.tools.leads import CAPTURE_LEAD, UPDATE_LEAD
from openbrain.api.controllers.leads import CSV_COLUMNS, CSV_FIELDS
from openbrain.domain.lead import LEAD_FIELDS, PERSON_FIELDS, Lead, LeadFields

PERSON = ("full_name", "first_name", "middle_name", "last_name", "email", "phone",
          "date_of_birth", "state_of_residence", "medications", "notes")


def test_the_fields_are_the_structs() -> None:
    assert [f.name for f in LEAD_FIELDS] == list(LeadFields.__struct_fields__)
    assert [f.wire for f in LEAD_FIELDS] == list(LeadFields.__struct_encode_fields__)
    assert [f.name for f in PERSON_FIELDS] == list(PERSON)
    assert {f.name for f in LEAD_FIELDS} <= set(Lead.__struct_fields__)
    assert [f.name for f in LEAD_FIELDS if f.many] == ["medications"]
    assert next(f.label for f in LEAD_FIELDS if f.name == "date_of_birth") == "Date of birth"


def test_tool_schema_is_the_person_fields() -> None:
    for tool in (CAPTURE_LEAD, UPDATE_LEAD):
        schema = tool.parameters()
        assert list(schema["properties"]) == list(PERSON)
        assert schema["additionalProperties"] is False
        assert schema["description"] == (
            "Details of the person; give only what the user actually said.")
        assert schema["properties"]["email"]["anyOf"][0]["maxLength"] == 254


def test_csv_columns_are_unchanged() -> None:
    assert CSV_COLUMNS == (
        "leadId", "sessionId", "status", "fullName", "firstName", "middleName", "lastName",
        "email", "phone", "dateOfBirth", "stateOfResidence", "medications", "notes",
        "createdAt", "updatedAt")
    assert set(CSV_FIELDS) <= set(Lead.__struct_fields__)

