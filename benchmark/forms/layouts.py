"""The four scenarios' forms: their layouts (two themes each) and which identity value
goes in which slot, formatted as the form asks (dates as mm/dd/yyyy)."""

from dataclasses import replace
from functools import cache

from benchmark.forms.sheet import Cell, Layout, Rect, Sheet, Slot, Theme, line_height
from benchmark.identities import ACCOUNT_TYPES, CITIZENSHIP_STATUSES, EDUCATION_LEVELS
from benchmark.vocab import OPEN, TARGET_LABELS, carries_target_type

CLASSIC = Theme(
    label_font="sans",
    heading_font="sans-bold",
    value_font="sans",
    hand_font="hand-print",
    ink=(20, 24, 31),
    rule=(70, 80, 96),
    band=(31, 58, 95),
    band_ink=(255, 255, 255),
    paper=(255, 255, 255),
    field_fill=(238, 243, 251),
    value_ink=(15, 15, 15),
    hand_ink=(28, 48, 140),
)
LEDGER = Theme(
    label_font="serif",
    heading_font="serif-bold",
    value_font="mono",
    hand_font="hand-script",
    ink=(40, 36, 30),
    rule=(52, 84, 70),
    band=None,
    band_ink=(40, 36, 30),
    paper=(252, 249, 240),
    field_fill=None,
    value_ink=(25, 25, 25),
    hand_ink=(30, 30, 42),
    cells="lines",
    label_size=16,
    value_size=21,
    hand_size=30,
    gap=13,
)

THEMES = {
    "hiring": (CLASSIC, LEDGER),
    "verification": (
        replace(CLASSIC, width=1400, band=(217, 217, 217), band_ink=(0, 0, 0), rule=(0, 0, 0)),
        replace(
            LEDGER, width=1400, rule=(40, 40, 90), paper=(255, 255, 255), hand_font="hand-print"
        ),
    ),
    "finance": (
        replace(CLASSIC, band=(22, 84, 63), field_fill=(236, 246, 240), rule=(40, 70, 60)),
        replace(LEDGER, label_font="sans", heading_font="sans-bold", rule=(30, 30, 30)),
    ),
    OPEN: (
        replace(CLASSIC, width=720, margin=16, label_size=20, value_size=20, hand_size=26),
        replace(LEDGER, width=720, margin=16, label_size=20, value_size=19, hand_size=26),
    ),
}

CITIZENSHIP_TEXT = dict(
    zip(
        CITIZENSHIP_STATUSES,
        (
            "1. A citizen of the United States",
            "2. A noncitizen national of the United States",
            "3. A lawful permanent resident",
            "4. A noncitizen authorized to work",
        ),
        strict=True,
    )
)

# The identity keys each form reads (open also reads its target type's key).
REQUIRED_KEYS = {
    "hiring": (
        "name", "date_of_birth", "street", "unit", "city", "state", "zip_code", "email",
        "phone", "ssn", "available_date", "desired_salary", "position", "employer", "education",
    ),
    "verification": (
        "last_name", "first_name", "middle_initial", "other_last_names", "street", "unit",
        "city", "state", "zip_code", "date_of_birth", "ssn", "email", "phone",
        "citizenship_status", "authorization_expires",
    ),
    "finance": (
        "account_type", "initial_deposit", "name", "ssn", "date_of_birth", "street", "unit",
        "city", "state", "zip_code", "phone", "email", "occupation", "employer",
        "mothers_maiden_name",
    ),
    OPEN: ("name",),
}  # fmt: skip


def variant_count(scenario: str) -> int:
    return len(THEMES[scenario])


@cache
def layout(scenario: str, variant: int, target_type: str | None = None) -> Layout:
    theme = THEMES[scenario][variant]
    if carries_target_type(scenario):
        return _open_table(theme, target_type, header_row=variant == 0)
    return _BUILDERS[scenario](Sheet(theme))


def values(scenario: str, identity: dict, target_type: str | None = None) -> dict[str, str]:
    """What each slot of the scenario's form shows for this identity."""
    keys = REQUIRED_KEYS[scenario] + ((target_type,) if carries_target_type(scenario) else ())
    missing = [key for key in keys if not isinstance(identity.get(key), str)]
    if missing:
        raise ValueError(
            f"identity {identity.get('id', '?')!r} lacks {missing} (strings), "
            f"which the {scenario} form needs"
        )
    shown = {key: identity[key] for key in keys}
    for key in ("date_of_birth", "available_date", "authorization_expires"):
        if shown.get(key):
            shown[key] = _us_date(shown[key])
    if scenario == "hiring":
        shown["work_eligible"] = "yes"
    if scenario == "verification":
        shown["other_last_names"] = shown["other_last_names"] or "N/A"
        shown["unit"] = shown["unit"] or "N/A"
    return shown


def _us_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{month}/{day}/{year}"


def _hiring(sheet: Sheet) -> Layout:
    sheet.title(
        "Employment Application",
        "Please print clearly. An equal opportunity employer.",
        corner=("Form EA-1", "Rev. 01/2025"),
    )
    sheet.section("Applicant Information")
    sheet.row(
        Cell("name", "Full name (first, last)", 3), Cell("date_of_birth", "Date of birth", 1.2)
    )
    sheet.row(Cell("street", "Street address", 3), Cell("unit", "Apt. / Suite", 1.2))
    sheet.row(
        Cell("city", "City", 2.2), Cell("state", "State", 0.8), Cell("zip_code", "ZIP code", 1.2)
    )
    sheet.row(Cell("email", "Email address", 2.4), Cell("phone", "Phone number", 1.8))
    sheet.row(
        Cell("ssn", "Social Security Number", 1.5),
        Cell("available_date", "Date available to start", 1.4),
        Cell("desired_salary", "Desired salary", 1.3),
    )
    sheet.checks(
        "work_eligible",
        "Are you legally eligible to work in the United States?",
        (("yes", "Yes"), ("no", "No")),
        columns=6,
    )
    sheet.section("Position and Experience")
    sheet.row(Cell("position", "Position applied for", 1), Cell("employer", "Current employer", 1))
    sheet.checks(
        "education",
        "Highest level of education completed",
        [(level, level) for level in EDUCATION_LEVELS],
        columns=3,
    )
    sheet.section("Signature")
    sheet.paragraph(
        "I certify that the information on this application is true and complete. I understand "
        "that false or misleading information may result in the withdrawal of an offer."
    )
    sheet.row(Cell(None, "Signature of applicant", 3), Cell(None, "Date", 1.2))
    return sheet.finish()


def _verification(sheet: Sheet) -> Layout:
    sheet.title(
        "Employment Eligibility Verification",
        "Section 1. Employee Information and Attestation",
        corner=("Form EV-9", "OMB-style sample", "Rev. 01/2025"),
    )
    sheet.paragraph(
        "START HERE: Employees must complete and sign Section 1 no later than the first day of "
        "employment, but not before accepting a job offer. Read the instructions before "
        "completing this form.",
        bold=True,
    )
    sheet.section("Section 1. Employee Information")
    sheet.row(
        Cell("last_name", "Last Name (Family Name)", 2.2),
        Cell("first_name", "First Name (Given Name)", 2.2),
        Cell("middle_initial", "Middle Initial (if any)", 1.2),
        Cell("other_last_names", "Other Last Names Used (if any)", 2.2),
    )
    sheet.row(
        Cell("street", "Address (Street Number and Name)", 3),
        Cell("unit", "Apt. Number (if any)", 1.3),
        Cell("city", "City or Town", 2.2),
        Cell("state", "State", 0.7),
        Cell("zip_code", "ZIP Code", 1),
    )
    sheet.row(
        Cell("date_of_birth", "Date of Birth (mm/dd/yyyy)", 1.5),
        Cell("ssn", "U.S. Social Security Number", 1.6),
        Cell("email", "Employee's Email Address", 3),
        Cell("phone", "Employee's Telephone Number", 1.8),
    )
    sheet.paragraph(
        "I am aware that federal law provides for imprisonment and/or fines for false statements, "
        "or the use of false documents, in connection with the completion of this form. I attest, "
        "under penalty of perjury, that this information is true and correct."
    )
    sheet.checks(
        "citizenship_status",
        "Check one of the following boxes to attest to your citizenship or immigration status:",
        list(CITIZENSHIP_TEXT.items()),
        columns=2,
    )
    sheet.row(
        Cell("authorization_expires", "4. Authorized to work until (exp. date, if any)", 2),
        Cell(None, "Signature of Employee", 2.4),
        Cell(None, "Today's Date (mm/dd/yyyy)", 1.3),
    )
    return sheet.finish()


def _finance(sheet: Sheet) -> Layout:
    sheet.title(
        "Harborview Community Bank",
        "New Account Application (Personal)",
        corner=("Member FDIC", "Form NA-100"),
    )
    sheet.paragraph(
        "Please complete every section in ink. Bring two forms of identification to your branch. "
        "We use this information to verify your identity as required by federal law."
    )
    sheet.section("Section 1: Account")
    sheet.checks(
        "account_type",
        "Which type of account would you like to open?",
        [(kind, kind) for kind in ACCOUNT_TYPES],
        columns=4,
    )
    sheet.row(Cell("initial_deposit", "Opening deposit", 1), Cell(None, "Branch use only", 2))
    sheet.section("Section 2: Personal Information")
    sheet.row(Cell("name", "Name (first, last)", 3), Cell("ssn", "Social Security #", 1.5))
    sheet.row(Cell("street", "Street address", 3), Cell("unit", "Apt. / Suite", 1.2))
    sheet.row(
        Cell("city", "City", 2.2),
        Cell("state", "State", 0.8),
        Cell("zip_code", "Zip", 1.2),
        Cell("date_of_birth", "Date of birth", 1.4),
    )
    sheet.row(Cell("phone", "Phone", 1.6), Cell("email", "Email address", 2.6))
    sheet.row(
        Cell("occupation", "Occupation", 2),
        Cell("employer", "Employer", 2),
        Cell("mothers_maiden_name", "Mother's maiden name", 1.4),
    )
    sheet.section("Section 3: Signature")
    sheet.paragraph(
        "By signing, I certify that the information above is correct and that I am not subject "
        "to backup withholding."
    )
    sheet.row(Cell(None, "Signature", 3), Cell(None, "Date", 1.2))
    return sheet.finish()


def _open_table(theme: Theme, target_type: str, header_row: bool) -> Layout:
    """A two-row table: a header row over a value row, or label cells beside value cells."""
    sheet = Sheet(theme)
    row_height = line_height(theme.label_font, theme.label_size) + 18
    left, right, top = sheet.left, sheet.right, sheet.y
    label_width = 0 if header_row else 210
    split = left + (right - left - label_width) * 5 // 12 if header_row else left + label_width
    cells = _table_cells(target_type, header_row, left, split, right, top, row_height)
    for box, label, name, is_label in cells:
        fill = (230, 230, 230) if is_label else theme.paper
        sheet.ops.append(Rect(box, fill, theme.rule, 2))
        if is_label:
            width = sheet.width_of(label, theme.heading_font, theme.label_size)
            x = (box[0] + box[2] - width) / 2 if header_row else box[0] + 12
            sheet.text((x, box[1] + 9), label, theme.heading_font, theme.label_size)
        else:
            area = (box[0] + 8, box[1] + 4, box[2] - 8, box[3] - 4)
            sheet.slots.append(Slot(name, label, area, align="center" if header_row else "left"))
    sheet.y = top + 2 * row_height
    return sheet.finish()


def _table_cells(target_type, header_row, left, split, right, top, row_height):
    """(box, label, slot name, is a label cell) for the four cells of the table."""
    middle, bottom = top + row_height, top + 2 * row_height
    target_label = TARGET_LABELS[target_type]
    if header_row:
        return (
            ((left, top, split, middle), "Name", None, True),
            ((split, top, right, middle), target_label, None, True),
            ((left, middle, split, bottom), "Name", "name", False),
            ((split, middle, right, bottom), target_label, target_type, False),
        )
    return (
        ((left, top, split, middle), "Name", None, True),
        ((split, top, right, middle), "Name", "name", False),
        ((left, middle, split, bottom), target_label, None, True),
        ((split, middle, right, bottom), target_label, target_type, False),
    )


_BUILDERS = {"hiring": _hiring, "verification": _verification, "finance": _finance}
