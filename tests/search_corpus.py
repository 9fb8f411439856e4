"""Text for document search tests and the search benchmark (issue 14 item 4): synthetic but
realistic passages of an appraisal management company's documents (order notes, SOP steps,
invoices, report excerpts), built from templates with a seeded ``random.Random`` (deterministic).

- :func:`passages` ``(n, seed)``: ``n`` passages of 30-60 words.
- :func:`queries` ``(n, seed)``: ``n`` short queries in the same vocabulary (some match nothing).
"""

from __future__ import annotations

import random

STREETS = ["Oak", "Maple", "Pine", "Cedar", "Elm", "Birch", "Walnut", "Willow", "Aspen", "Spruce", "Hickory"]
KINDS = ["Street", "Avenue", "Road", "Lane", "Court", "Drive", "Way"]
PEOPLE = ["J. Smith", "M. Garcia", "A. Chen", "R. Patel", "L. Novak", "K. Okafor", "S. Rossi", "T. Berg"]
LENDERS = ["Acme Lending", "Harbor Bank", "Summit Credit Union", "Prairie Mortgage", "Keystone Finance"]
PROPERTIES = [
    "single-family home", "condominium unit", "duplex", "townhouse", "vacant lot", "ranch house",
    "manufactured home", "four-unit apartment building", "farmhouse on acreage", "split-level house",
]  # fmt: skip
ACTIONS = [
    "was assigned to {who} for inspection on {day}",
    "needs a revised report because the lender asked for additional comparables",
    "was put on hold until the borrower confirms access to the property",
    "came back from quality control with a note about the garage square footage",
    "was delivered to {lender} and the invoice was sent the same day",
    "had its due date extended by two business days at the client's request",
    "requires a second site visit since the basement was flooded during the first one",
    "was cancelled by {lender}; a trip fee of 75 USD applies",
]
SOP = [
    "Before scheduling, confirm the borrower's phone number and the lockbox code with the loan officer.",
    "Photographs must include the front, rear, street scene, kitchen and every bathroom.",
    "Upload the signed report as a PDF and attach the invoice before marking the order complete.",
    "If a comparable sale is older than six months, explain why in the addendum.",
    "Escalate any order that is more than two days past due to the operations manager.",
    "Record the gross living area from the appraiser's own measurements, not the listing.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September"]


def _address(r: random.Random) -> str:
    return f"{r.randint(1, 999)} {r.choice(STREETS)} {r.choice(KINDS)}"


def passage(r: random.Random) -> str:
    """One passage (order note, SOP step pair, invoice line or report excerpt)."""
    kind = r.randrange(4)
    if kind == 0:
        act = r.choice(ACTIONS).format(who=r.choice(PEOPLE), day=r.choice(DAYS), lender=r.choice(LENDERS))
        return (
            f"Order {r.randint(1000, 99999)} for the {r.choice(PROPERTIES)} at {_address(r)} {act}. "
            f"Coordinator {r.choice(PEOPLE)} updated the portal and notified {r.choice(LENDERS)}."
        )
    if kind == 1:
        return " ".join(r.sample(SOP, 2)) + f" Reviewed by {r.choice(PEOPLE)} in {r.choice(MONTHS)}."
    if kind == 2:
        fee = r.choice([350, 425, 450, 500, 525, 600, 750])
        return (
            f"Invoice {r.randint(2020, 2026)}-{r.randint(1, 999):03d} to {r.choice(LENDERS)} for the "
            f"appraisal of {_address(r)}: fee {fee} USD, technology fee 25 USD, payable within 30 days."
        )
    value = r.randint(120, 900) * 1000
    return (
        f"The subject is a {r.choice(PROPERTIES)} at {_address(r)} with {r.randint(1, 5)} bedrooms, "
        f"built in {r.randint(1920, 2022)}. Three comparable sales within one mile support an opinion "
        f"of market value of {value:,} USD as of {r.choice(MONTHS)} {r.randint(1, 28)}."
    )


def passages(n: int, seed: int = 14) -> list[str]:
    r = random.Random(seed)
    return [passage(r) for _ in range(n)]


def queries(n: int, seed: int = 41) -> list[str]:
    """Short queries: street names, people, lenders, SOP topics, and paraphrases."""
    r = random.Random(seed)
    shapes = [
        lambda: f"{r.choice(STREETS)} {r.choice(KINDS)} appraisal",
        lambda: f"orders assigned to {r.choice(PEOPLE)}",
        lambda: f"invoice {r.choice(LENDERS)}",
        lambda: r.choice(["lockbox code", "comparable sales older than six months", "trip fee cancelled"]),
        lambda: r.choice(["photos of the bathrooms", "late orders escalation", "basement flooded revisit"]),
        lambda: r.choice(
            ["how big is the living area", "what the house is worth", "who pays if it is cancelled"]
        ),
        lambda: f"{r.choice(PROPERTIES)} market value",
    ]
    return [r.choice(shapes)() for _ in range(n)]
