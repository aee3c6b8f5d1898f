"""Demo data for the storefront, loaded by `make run` the first time (idempotent).

`seed()` keeps the demo customer (shopper@example.com), adds 60 more and, once the catalogue copy has
products (the vendor portal's events must have arrived), 1,500 past orders over the last 120 days.
`seed_orders()` (`flask --app storefront seed-demo-orders`) adds the orders alone, to run after the
relays have delivered the catalogue.

Demo orders are history: they are inserted as they would stand today (placed, shipped, delivered,
cancelled, a few refunded) without reservations or payments through the provider, and each records
order.placed (with its past placed_at) so the vendor and admin portals' analytics fill. Refunds record
order.refunded. Cancellations do not record order.cancelled: the vendor portal would put the units
"back" in stock that these orders never took.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from common_core import auth
from common_core.db import money, utcnow
from common_core.outbox import record_event
from common_core.seeding import wait_until_settled
from storefront.account import operations
from storefront.account.models import Customer
from storefront.account.queries import customer_by_email
from storefront.catalog.models import Product, Variant
from storefront.checkout.shipping import shipping_for_part
from storefront.extensions import db
from storefront.orders import operations as order_ops
from storefront.orders.models import Order, OrderEvent, OrderLine, OrderVendorPart, Payment, Refund
from storefront.reviews import operations as review_operations
from storefront.traffic import operations as traffic_operations
from storefront.traffic.models import TrafficEvent

DEMO_CUSTOMER = ("Dana Shopper", "shopper@example.com", "shopper-demo-pass")
CUSTOMERS = 60
ORDERS = 1500
DAYS = 120
SEED = 20240601
BATCH = 100

FIRST = (  # noqa: SIM905 - a list of names reads best as words
    "Ada Alan Beatriz Chen Dmitri Elena Farah Gustav Hana Ines Jonas Kemal Lena Mateo Nadia "
    "Oskar Priya Quentin Rosa Sami Tara Uma Viktor Wen Xavier Yara Zofia Amir Bianca Carlos"
).split()
LAST = (  # noqa: SIM905 - a list of names reads best as words
    "Lovelace Turing Okafor Nakamura Petrov Rossi Haddad Berg Kowalski Silva Novak Demir Fischer Garcia Moreau "
    "Jensen Patel Laurent Costa Nieminen Byrne Svensson Horvat Yilmaz Dubois Schmidt Andersen Murphy Ortega Weber"
).split()
CITIES = (
    ("Dublin", "IE", "D02 X285"),
    ("Berlin", "DE", "10115"),
    ("Lyon", "FR", "69002"),
    ("Porto", "PT", "4050-001"),
    ("Utrecht", "NL", "3511 AB"),
    ("Milan", "IT", "20121"),
    ("Vienna", "AT", "1010"),
    ("Gothenburg", "SE", "411 01"),
)
STREETS = ("Harbour Road", "Linden Street", "Rue Mercière", "Rua das Flores", "Oudegracht", "Via Dante", "Ringstraße")


def seed() -> str:
    """The demo customers. Idempotent. Orders need the catalogue copy: `seed-demo-orders` loads them."""
    name, email, password = DEMO_CUSTOMER
    done = []
    if customer_by_email(email) is None:
        operations.register_customer(name, email, password)
        db.session.commit()
        done.append("demo customer loaded")
    done.append(seed_customers())
    return "; ".join(done)


def wait_for_catalogue(timeout: float) -> int:
    """Wait until the catalogue copy has listed products and has stopped growing; returns how many."""
    return wait_until_settled(
        lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Product).where(Product.listed)) or 0, timeout
    )


def wait_for_deliveries(timeout: float) -> int:
    """Wait until the stores' fulfilment of the past orders has arrived (delivered parts stop growing)."""
    return wait_until_settled(
        lambda: (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(OrderVendorPart).where(OrderVendorPart.status == "delivered")
            )
            or 0
        ),
        timeout,
    )


def seed_demo_reviews() -> str:
    """Reviews from demo customers for some of what they received (idempotent)."""
    written = review_operations.seed_reviews()
    db.session.commit()
    return f"{written} demo reviews added"


def seed_customers(count: int = CUSTOMERS) -> str:
    """`count` more customers (same password as the demo customer), registered over the last months."""
    rng = random.Random(SEED)
    password_hash = auth.hash_password(DEMO_CUSTOMER[2])  # once: argon2 is slow on purpose
    existing = set(db.session.scalars(sa.select(Customer.email)))
    now = utcnow()
    created = 0
    for n in range(count):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        email = f"{first}.{last}{n + 1}@example.com".lower()
        registered = now - timedelta(days=DAYS + 30 - rng.randint(0, DAYS), minutes=rng.randint(0, 1440))
        if email in existing:
            continue
        customer = Customer(name=f"{first} {last}", email=email, password_hash=password_hash, created_at=registered)
        db.session.add(customer)
        db.session.flush()
        record_event(
            "customer.registered",
            {
                "customer_id": customer.id,
                "email": email,
                "name": customer.name,
                "registered_at": registered.isoformat(),
            },
        )
        created += 1
    db.session.commit()
    return f"{created} customers added" if created else "customers already loaded"


@dataclass(frozen=True)
class Offer:
    variant_id: int
    product_id: int
    vendor_id: int
    vendor_name: str
    title: str
    sku: str
    options: dict[str, str]
    price: Decimal
    currency: str


def _offers() -> list[Offer]:
    rows = db.session.execute(
        sa.select(
            Variant.id,
            Variant.product_id,
            Product.vendor_id,
            Product.vendor_name,
            Product.title,
            Variant.sku,
            Variant.options,
            Variant.price,
            Product.currency,
        )
        .join(Product, Product.id == Variant.product_id)
        .where(Product.listed, Variant.price > 0)
        .order_by(Variant.id)
    ).all()
    return [
        Offer(
            r.id,
            r.product_id,
            r.vendor_id,
            r.vendor_name or f"Store {r.vendor_id}",
            r.title,
            r.sku or f"V{r.id}",
            dict(r.options or {}),
            r.price,
            r.currency,
        )
        for r in rows
    ]


def seed_orders(count: int = ORDERS, days: int = DAYS) -> str:
    """`count` past orders from the catalogue copy (none, and says so, while the copy is empty). Idempotent."""
    offers = _offers()
    if not offers:
        return (
            "no demo orders: the catalogue copy is still empty (the vendor portal's events have not arrived). "
            "Run `flask --app storefront seed-demo-orders` once the relays have delivered the catalogue."
        )
    have = set(db.session.scalars(sa.select(Order.checkout_key).where(Order.checkout_key.like("demo-%"))))
    if len(have) >= count:
        return "demo orders already loaded"
    customers = list(db.session.execute(sa.select(Customer.id, Customer.name, Customer.email).order_by(Customer.id)))
    numbers = set(db.session.scalars(sa.select(Order.number)))
    rng = random.Random(SEED)
    now = utcnow()
    # Oldest first, so "a new customer" means their first order in time.
    moments = sorted(
        now - timedelta(days=days * rng.random() ** 0.8, minutes=rng.randint(0, 600)) for _ in range(count)
    )
    by_currency: dict[str, list[Offer]] = {}
    for offer in offers:
        by_currency.setdefault(offer.currency, []).append(offer)
    # An order is paid in one currency: demo orders buy from the catalogue's main one.
    main_currency = max(by_currency, key=lambda c: len(by_currency[c]))
    by_vendor: dict[int, list[Offer]] = {}
    for offer in by_currency[main_currency]:
        by_vendor.setdefault(offer.vendor_id, []).append(offer)
    seen_buyers: set[str] = set()
    created = 0
    journeys: list[tuple[datetime, list[Offer]]] = []
    for index, placed_at in enumerate(moments):
        key = f"demo-{index:05d}"
        buyer = rng.choice(customers) if customers and rng.random() < 0.75 else None
        email = buyer.email if buyer else f"guest{rng.randint(1, 400)}@example.com"
        plan = _plan(rng, by_vendor, now - placed_at)
        number = _number(rng, numbers)
        if key in have:
            seen_buyers.add(email)
            continue
        order = _order(rng, key, number, buyer, email, placed_at, plan)
        db.session.add(order)
        db.session.flush()
        journeys.append((placed_at, [offer for offer, _ in plan.lines]))
        record_event("order.placed", order_ops.placed_data(order, new_customer=email not in seen_buyers))
        if order.status == "cancelled":  # as order_ops.cancel tells the stores, before the refund
            record_event(
                "order.cancelled", {"order_id": order.id, "number": order.number, "reason": "Cancelled by the customer"}
            )
        seen_buyers.add(email)
        for refund in order.refunds:
            data: dict[str, Any] = {
                "order_id": order.id,
                "number": order.number,
                "refund_id": refund.id,
                "amount": str(refund.amount),
                "currency": refund.currency,
                "reason": refund.reason,
            }
            if refund.lines:
                data["lines"] = refund.lines
            record_event("order.refunded", data)
        created += 1
        if created % BATCH == 0:
            db.session.commit()
    db.session.commit()
    visits = seed_traffic(journeys, offers, days=days) if journeys else 0
    return f"{created} demo orders added, with {visits} visits"


# The demo shop's funnel: of every 100 visitors, this many reach each step (the orders are the last step).
FUNNEL = {"product_view": 62, "add_to_cart": 16, "checkout_started": 9, "order_placed": 6}
TRAFFIC_BATCH = 1000


def seed_traffic(journeys: list[tuple[datetime, list[Offer]]], offers: list[Offer], *, days: int = DAYS) -> int:
    """Browsing around the demo orders, published as traffic.batch events as the live shop does, so the
    dashboards have visitors, page views and a funnel. Each order's buyer walks the whole funnel on its
    day; other visitors stop earlier. Returns how many visitors were made (only for new orders, so a
    second run adds nothing)."""
    rng = random.Random(SEED + len(journeys))
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def visit(at: datetime, depth: str, products: list[Offer]) -> None:
        visitor = f"{rng.getrandbits(128):032x}"
        steps = list(FUNNEL)[: list(FUNNEL).index(depth) + 1] if depth else []
        moment = at - timedelta(minutes=5 + 2 * len(steps))
        for _ in range(rng.randint(1, 4)):
            rows.append(_traffic(visitor, "page_view", rng.choice(("/", "/search", "/c/audio")), None, moment))
        for step in steps:
            for offer in products if step in ("product_view", "add_to_cart") else products[:1]:
                path = f"/p/{offer.product_id}" if step == "product_view" else "/checkout"
                rows.append(_traffic(visitor, step, path, offer, moment))
            moment += timedelta(minutes=2)

    for placed_at, products in journeys:
        visit(placed_at, "order_placed", products)
    buyers = len(journeys)
    others = buyers * 100 // FUNNEL["order_placed"] - buyers
    for _ in range(others):
        at = now - timedelta(days=days * rng.random() ** 0.8, minutes=rng.randint(0, 600))
        visit(at, _deepest_step(rng), rng.sample(offers, k=rng.choice((1, 1, 2))))
    for start in range(0, len(rows), 5000):
        db.session.execute(sa.insert(TrafficEvent.__table__), rows[start : start + 5000])
    while traffic_operations.publish_batch(TRAFFIC_BATCH):
        db.session.commit()
    db.session.commit()
    return buyers + others


def _deepest_step(rng: random.Random) -> str:
    """How far a visitor who does not buy gets, drawn so every step keeps FUNNEL's share overall."""
    buyers = FUNNEL["order_placed"]
    roll = rng.uniform(0, 100 - buyers)
    for step in ("checkout_started", "add_to_cart", "product_view"):
        if roll < FUNNEL[step] - buyers:  # the buyers reached every step too
            return step
    return ""  # a visit of a few pages only


def _traffic(visitor: str, kind: str, path: str, offer: Offer | None, at: datetime) -> dict[str, Any]:
    return {
        "kind": kind,
        "visitor": visitor,
        "path": path,
        "product_id": offer.product_id if offer else None,
        "vendor_id": offer.vendor_id if offer else None,
        "at": at,
    }


@dataclass
class Plan:
    lines: list[tuple[Offer, int]]
    status: str  # placed, or cancelled by the customer before the stores started
    method: str
    refund_line: bool


def _plan(rng: random.Random, by_vendor: dict[int, list[Offer]], age: timedelta) -> Plan:
    vendors = rng.sample(sorted(by_vendor), k=min(len(by_vendor), 1 if rng.random() < 0.7 else 2))
    lines: dict[int, tuple[Offer, int]] = {}
    for vendor_id in vendors:
        for offer in rng.sample(by_vendor[vendor_id], k=min(len(by_vendor[vendor_id]), rng.choice((1, 1, 1, 2, 3)))):
            lines[offer.variant_id] = (offer, rng.choice((1, 1, 1, 2, 2, 3)))
    # How far each part gets is the stores' doing (vendor_portal's seed-demo-fulfilment); the shop only
    # knows which orders its customers cancelled early, and refunds a line of some older ones.
    status = "cancelled" if rng.random() < 0.06 else "placed"
    return Plan(
        list(lines.values()),
        status,
        "express" if rng.random() < 0.15 else "standard",
        refund_line=status == "placed" and age > timedelta(days=14) and rng.random() < 0.04,
    )


def _number(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = "MP-" + "".join(rng.choice(order_ops.NUMBER_ALPHABET) for _ in range(order_ops.NUMBER_LENGTH))
        if number not in taken:
            taken.add(number)
            return number


def _order(rng: random.Random, key: str, number: str, buyer: Any, email: str, placed_at: datetime, plan: Plan) -> Order:
    city, country, postcode = rng.choice(CITIES)
    name = buyer.name if buyer else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    order = Order(
        id=order_id,
        number=number,
        checkout_key=key,
        customer_id=buyer.id if buyer else None,
        email=email,
        status="placed",
        currency=plan.lines[0][0].currency,
        shipping_method=plan.method,
        shipping_address={
            "name": name,
            "line1": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            "line2": "",
            "city": city,
            "postcode": postcode,
            "country": country,
        },
        created_at=placed_at - timedelta(minutes=3),
        placed_at=placed_at,
        updated_at=placed_at,
        refunded_total=Decimal("0.00"),
    )
    for position, (offer, quantity) in enumerate(plan.lines):
        order.lines.append(
            OrderLine(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                position=position,
                vendor_id=offer.vendor_id,
                product_id=offer.product_id,
                variant_id=offer.variant_id,
                sku=offer.sku[:64],
                title=offer.title[:200],
                options=offer.options,
                quantity=quantity,
                unit_price=offer.price,
                line_total=money(offer.price * quantity),
                cancelled_quantity=0,
                refunded_amount=Decimal("0.00"),
            )
        )
    subtotals: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    for line, (offer, _) in zip(order.lines, plan.lines, strict=True):
        subtotals[line.vendor_id] = subtotals.get(line.vendor_id, Decimal("0.00")) + line.line_total
        names[line.vendor_id] = offer.vendor_name
    order.subtotal = money(sum(subtotals.values(), Decimal("0.00")))
    order.shipping_total = money(sum((shipping_for_part(plan.method, s) for s in subtotals.values()), Decimal("0")))
    order.total = order.subtotal + order.shipping_total
    order.history.append(OrderEvent(status="placed", created_at=placed_at))
    order.payments.append(
        Payment(
            provider="test",
            provider_token=f"demo_ch_{rng.getrandbits(64):016x}",
            brand=rng.choice(("visa", "visa", "mastercard")),
            last4=rng.choice(("4242", "4444", "1881", "0005")),
            amount=order.total,
            currency=order.currency,
            status="captured",
            created_at=placed_at,
        )
    )
    for vendor_id in subtotals:
        part = OrderVendorPart(
            vendor_id=vendor_id, vendor_name=names[vendor_id][:120], status="placed", updated_at=placed_at
        )
        order.parts.append(part)
    if plan.status == "cancelled":
        _cancelled(rng, order, placed_at, buyer)
    elif plan.refund_line:
        _refund_a_line(rng, order)
    return order


def _cancelled(rng: random.Random, order: Order, placed_at: datetime, buyer: Any) -> None:
    at = min(placed_at + timedelta(hours=rng.uniform(0.2, 6)), utcnow() - timedelta(minutes=1))
    order.status = "cancelled"
    order.updated_at = at
    for line in order.lines:
        line.cancelled_quantity = line.quantity
        line.refunded_amount = line.line_total
    for part in order.parts:
        part.status = "cancelled"
        part.updated_at = at
    actor = f"customer:{buyer.id}" if buyer else f"guest:{order.email}"
    order.history.append(OrderEvent(status="cancelled", note=f"Cancelled by the customer ({actor})", created_at=at))
    order.refunds.append(
        Refund(
            id=order_ops.cancel_refund_id(order.id),
            amount=order.total,
            currency=order.currency,
            reason="Order cancelled: Cancelled by the customer",
            lines=[{"line_id": line.id, "amount": str(line.line_total)} for line in order.lines],
            actor=actor,
            created_at=at,
        )
    )
    order.refunded_total = order.total
    order.history.append(OrderEvent(status="refunded", note="Refunded in full.", created_at=at))


def _refund_a_line(rng: random.Random, order: Order) -> None:
    line = rng.choice(order.lines)
    amount = line.unit_price
    at = order.placed_at + timedelta(days=rng.uniform(6, 12))  # after it arrived
    at = min(at, utcnow() - timedelta(minutes=1))
    line.refunded_amount = amount
    order.refunded_total = amount
    order.refunds.append(
        Refund(
            id=f"demo-refund-{order.id}",
            amount=amount,
            currency=order.currency,
            reason=f"One {line.title} arrived damaged",
            lines=[{"line_id": line.id, "amount": str(amount)}],
            actor="staff:support@example.com",
            created_at=at,
        )
    )
    order.history.append(OrderEvent(status="refunded", note=f"Refunded {amount} {order.currency}.", created_at=at))
