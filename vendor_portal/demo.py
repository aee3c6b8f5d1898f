"""Demo data for the vendor portal, loaded by `make run` the first time (idempotent).

Nine stores (one pending) and about 600 products with options, variants, stock and generated images.
Everything goes through the same operations as real stores, so the events reach the other services.
Categories come from admin_portal by event; when none has arrived yet, products get no category and
`flask --app vendor_portal assign-demo-categories` files them once the relays have delivered them.
The storefront's past demo orders arrive by event; `seed-demo-fulfilment` then moves them on as the
stores would have (acknowledged, packed, shipped with tracking, delivered), dated in the past.
"""

from __future__ import annotations

import io
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from common_core.db import money, utcnow
from common_core.seeding import wait_until_settled
from vendor_portal.accounts import operations as accounts
from vendor_portal.accounts.models import Vendor, VendorUser
from vendor_portal.accounts.queries import vendor_user_by_email
from vendor_portal.catalog import images, variants
from vendor_portal.catalog import operations as catalog
from vendor_portal.catalog.models import Category, Product, Variant
from vendor_portal.extensions import db
from vendor_portal.orders import operations as order_operations
from vendor_portal.orders.models import VendorOrder

DEMO_PASSWORD = "vendor-demo-pass"  # noqa: S105 - published demo credentials, documented in the README
PRODUCTS = 600
PENDING_SHARE = 12  # drafts of the pending store (it cannot publish)
COMMIT_EVERY = 25
IMAGE_SIZE = 480

Option = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Line:
    """A kind of product a store sells; demo products are variations of it."""

    noun: str
    category: str  # the admin demo category's slug
    price: int
    grams: int
    features: tuple[str, str]
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Store:
    name: str
    contact: str
    email: str
    code: str  # SKU prefix
    approved: bool
    about: str
    brands: tuple[str, ...]
    styles: tuple[str, ...]
    lines: tuple[Line, ...]


def _lines(table: str) -> tuple[Line, ...]:
    """Product kinds written one a line: noun | category slug | price | grams | feature; feature | Option: a, b / ..."""
    lines = []
    for row in filter(None, (r.strip() for r in table.strip().splitlines())):
        noun, category, price, grams, features, *options = (part.strip() for part in row.split("|"))
        first, second = (f.strip() for f in features.split(";"))
        specs = []
        for option in filter(None, (options[0] if options else "").split("/")):
            name, values = option.split(":")
            specs.append((name.strip(), tuple(v.strip() for v in values.split(","))))
        lines.append(Line(noun, category, int(price), int(grams), (first, second), tuple(specs)))
    return tuple(lines)


SIZES = "S, M, L, XL"
MEASURES = (" cm", " ml", " pieces")  # options whose larger values cost more (clothes sizes do not)
SHOES = "EU 38, EU 39, EU 40, EU 41, EU 42, EU 43, EU 44"

STORES: tuple[Store, ...] = (
    Store(
        "Northwind Audio",
        "Nora Lindqvist",
        "vendor@example.com",
        "NWA",
        True,
        "Headphones, speakers and turntables we have listened to ourselves, shipped from Gothenburg.",
        ("Northwind", "Fjordsound", "Kestrel Acoustics", "Halden"),
        ("Studio", "Travel", "Classic", "Pro", "Compact", "Signature", "Nordic", "Everyday"),
        _lines("""
            over-ear headphones | headphones | 149 | 380 | 40 mm drivers; closed back | Colour: Black, Walnut, Silver
            wireless earbuds | headphones | 89 | 60 | 8 hours per charge; USB-C case | Colour: Black, White, Sage
            headphone stand | headphones | 39 | 450 | solid hardwood; felt base | Finish: Walnut, Oak, Ash
            bookshelf speakers (pair) | speakers | 229 | 6200 | 2 x 30 W; optical and aux inputs | Finish: Walnut, Black
            portable speaker | speakers | 69 | 540 | splash-proof; 12 hours of play | Colour: Charcoal, Sand, Forest
            soundbar | speakers | 199 | 3100 | HDMI ARC; wall bracket included
            belt-drive turntable | turntables | 329 | 5400 | 33 and 45 rpm; built-in phono stage | Finish: Walnut, Black
            vinyl cleaning kit | turntables | 24 | 300 | carbon-fibre brush; cleaning fluid
            phono cartridge | turntables | 59 | 40 | moving magnet; elliptical stylus
            USB microphone | microphones | 119 | 700 | cardioid pattern; zero-latency monitoring
            vocal microphone | microphones | 79 | 330 | dynamic capsule; metal grille
            microphone boom arm | microphones | 45 | 1100 | desk clamp; internal cable routing
        """),
    ),
    Store(
        "Pending Pottery",
        "Pat Potter",
        "pending@example.com",
        "PPO",
        False,
        "Wheel-thrown stoneware from a small studio in Stoke-on-Trent.",
        ("Pending Pottery",),
        ("Speckled", "Ash-glazed", "Studio", "Oatmeal"),
        _lines("""
            stoneware bowl | tableware | 28 | 450 | wheel-thrown; dishwasher safe | Size: Small, Large
            bud vase | tableware | 22 | 300 | hand-thrown; each one unique
            stoneware planter | planters | 34 | 900 | drainage hole; saucer included
        """),
    ),
    Store(
        "Copper & Crumb Kitchen",
        "Marco Bianchi",
        "vendor2@example.com",
        "CCK",
        True,
        "Cookware and tableware that lasts a lifetime, chosen by a former restaurant chef.",
        ("Copper & Crumb", "Ferro", "Lune", "Oakhearth"),
        ("Heritage", "Everyday", "Chef's", "Farmhouse", "Minimal", "Bistro", "Nordic", "Coastal"),
        _lines("""
            cast iron skillet | cookware | 59 | 2600 | pre-seasoned; oven safe to 260 °C | Size: 20 cm, 26 cm, 30 cm
            stainless saucepan | cookware | 45 | 1200 | tri-ply base; induction ready | Size: 16 cm, 18 cm, 20 cm
            carbon steel wok | cookware | 49 | 1500 | hand-hammered; wooden handle
            dinner plates (set of 4) | tableware | 64 | 3200 | stoneware; chip-resistant | Colour: Chalk, Slate
            porcelain mug | tableware | 16 | 350 | 350 ml; dishwasher safe | Colour: Chalk, Slate, Moss, Ochre
            linen napkins (set of 4) | tableware | 29 | 250 | stonewashed; softer every wash | Colour: Natural, Rust
            glass storage jars (set of 3) | storage | 32 | 1800 | airtight bamboo lids; BPA-free seals
            bread bin | storage | 42 | 1700 | bamboo lid doubles as a board; keeps bread fresh for days
            beeswax food wraps | storage | 18 | 90 | plastic-free; three sizes
            electric kettle | small-appliances | 79 | 1300 | 1.7 litres; keep-warm setting | Colour: Cream, Black, Sage
            burr coffee grinder | small-appliances | 129 | 2100 | 40 grind settings; conical steel burrs
            hand blender | small-appliances | 55 | 900 | 600 W; whisk and chopper included
        """),
    ),
    Store(
        "Trailhead Outfitters",
        "Sam Okafor",
        "vendor3@example.com",
        "THO",
        True,
        "Gear for long days outside, tested on the trails of the Lake District.",
        ("Trailhead", "Ridgeline", "Cairn", "Fellside"),
        ("Alpine", "Ridge", "Summit", "Trail", "Ultralight", "Coastal", "Basecamp", "Tempo"),
        _lines(f"""
            cycling helmet | cycling | 79 | 320 | MIPS liner; rear light clip | Size: S, M, L
            bike light set | cycling | 39 | 180 | USB rechargeable; 800 lumen front light
            frame bag | cycling | 35 | 210 | waterproof zip; fits most frames
            two-person tent | camping | 249 | 1900 | freestanding; 3000 mm waterproofing
            down sleeping bag | camping | 189 | 950 | comfort to -5 °C; compression sack | Length: Regular, Long
            camping stove | camping | 49 | 260 | boils a litre in 4 minutes; piezo ignition
            trail running shoes | running | 129 | 580 | grippy lugged sole; rock plate | Size: {SHOES}
            running vest | running | 89 | 220 | two 500 ml flasks; stretch pockets | Size: S, M, L
            merino running socks | running | 18 | 60 | cushioned heel; odour-resistant | Size: S, M, L
            yoga mat | fitness | 49 | 1800 | natural rubber; non-slip surface | Colour: Sage, Plum, Slate
            adjustable kettlebell | fitness | 119 | 12000 | 4 to 12 kg; quick-change pin
            resistance band set | fitness | 25 | 400 | five strengths; door anchor included
        """),
    ),
    Store(
        "Dog-Eared Books",
        "Priya Raman",
        "vendor4@example.com",
        "DEB",
        True,
        "An independent bookshop: new fiction, good non-fiction and picture books we read aloud ourselves.",
        ("Harbour Press", "Lantern Books", "Quill & Co", "Bramble House"),
        (
            "The Salt Road",
            "Winter Orchard",
            "A House of Lanterns",
            "The Quiet Harbour",
            "Paper Moons",
            "The Cartographer's Dog",
            "Small Hours",
            "The Glass Meadow",
            "North of Nowhere",
            "The Last Ferry",
        ),
        _lines("""
            a novel | fiction | 18 | 450 | book-club favourite; signed while stocks last | Format: Hardback, Paperback
            short stories | fiction | 15 | 320 | twelve stories; award-shortlisted | Format: Hardback, Paperback
            a field guide | non-fiction | 22 | 520 | illustrated throughout; pocket-sized
            a cookbook | non-fiction | 28 | 1100 | 120 recipes; photographed in colour
            a history | non-fiction | 25 | 750 | maps and timelines; fully referenced | Format: Hardback, Paperback
            a picture book | children-s-books | 12 | 380 | ages 3 to 6; rhyming text
            bedtime stories | children-s-books | 14 | 420 | ten short tales; ages 4 to 8
            a graphic novel | comics | 20 | 600 | full colour; complete story
            a comics anthology | comics | 24 | 700 | eight artists; collector's edition
        """),
    ),
    Store(
        "Tinker Toy Co.",
        "Lena Vogel",
        "vendor5@example.com",
        "TTC",
        True,
        "Wooden toys and games that are made to be handed down.",
        ("Tinker", "Little Acorn", "Maple & Moss", "Brightwood"),
        ("Rainbow", "Woodland", "Ocean", "Classic", "Safari", "Starry", "Garden", "Harbour"),
        _lines("""
            strategy board game | board-games | 39 | 1200 | 2 to 4 players; 45-minute games
            family card game | board-games | 14 | 250 | ages 7 and up; quick to learn
            1000-piece jigsaw puzzle | puzzles | 22 | 700 | recycled board; poster included
            wooden puzzle cube | puzzles | 16 | 300 | beech wood; ages 8 and up
            magnetic tiles | building-sets | 59 | 1600 | storage box; ages 3 and up | Set: 60 pieces, 100 pieces
            wooden block set | building-sets | 34 | 2100 | 50 blocks; water-based paints
            stunt kite | outdoor-toys | 29 | 350 | ripstop sail; 30 m lines
            garden skittles | outdoor-toys | 32 | 2400 | solid pine; cotton carry bag
            balance bike | outdoor-toys | 89 | 3500 | ages 2 to 5; adjustable seat | Colour: Red, Teal, Natural
        """),
    ),
    Store(
        "Lumen Beauty",
        "Chloé Martin",
        "vendor6@example.com",
        "LUM",
        True,
        "Small-batch skincare and fragrance, vegan and made in Provence.",
        ("Lumen", "Petal & Stone", "Maison Clair", "Verde"),
        ("Rose", "Neroli", "Vetiver", "Calendula", "Sea Salt", "Fig", "Cedar", "Oat"),
        _lines("""
            face serum | skincare | 38 | 120 | niacinamide and squalane; for every skin type | Size: 15 ml, 30 ml
            daily moisturiser | skincare | 29 | 180 | SPF 30; fragrance-free
            lip balm trio | makeup | 15 | 60 | shea butter; three tints
            tinted lip oil | makeup | 19 | 40 | sheer colour; non-sticky | Shade: Clay, Berry, Coral
            lengthening mascara | makeup | 21 | 30 | smudge-proof; vegan formula
            shampoo bar | haircare | 12 | 90 | plastic-free; about 80 washes
            hair oil | haircare | 24 | 120 | argan and jojoba; glass dropper bottle
            eau de parfum | fragrance | 65 | 250 | long-lasting; refillable bottle | Size: 30 ml, 50 ml, 100 ml
            solid perfume | fragrance | 26 | 50 | pocket tin; beeswax base
        """),
    ),
    Store(
        "Fern & Fable Garden",
        "Tom Whitaker",
        "vendor7@example.com",
        "FFG",
        True,
        "Plants, pots and tools for small gardens and big balconies.",
        ("Fern & Fable", "Greenhand", "Potting Shed", "Wildroot"),
        ("Cottage", "Balcony", "Heritage", "Meadow", "Urban", "Orchard", "Terrace", "Woodland"),
        _lines("""
            potted olive tree | plants | 49 | 6000 | hardy to -8 °C; ready to plant | Height: 60 cm, 80 cm, 100 cm
            herb seed kit | plants | 19 | 400 | six herbs; biodegradable pots
            Swiss cheese plant | plants | 35 | 3500 | easy care; 12 cm nursery pot
            pruning shears | garden-tools | 29 | 250 | bypass blades; sap groove
            hand trowel | garden-tools | 17 | 200 | stainless steel; ash handle
            watering can | garden-tools | 34 | 900 | 5 litres; brass rose | Colour: Sage, Zinc, Terracotta
            terracotta planter | planters | 24 | 2500 | frost-resistant; drainage hole | Size: 20 cm, 30 cm, 40 cm
            self-watering planter | planters | 39 | 1200 | water-level gauge; for indoor plants
            solar lantern | outdoor-lighting | 27 | 600 | dusk-to-dawn sensor; warm white LEDs
            festoon lights | outdoor-lighting | 45 | 1400 | 10 m, 20 bulbs; shatterproof bulbs
        """),
    ),
    Store(
        "Thread & Loom",
        "Aiko Tanaka",
        "vendor8@example.com",
        "TAL",
        True,
        "Everyday clothes in natural fabrics, cut to last more than a season.",
        ("Thread & Loom", "Field Studio", "Norrland", "Atelier Mono"),
        ("Relaxed", "Classic", "Weekend", "Heritage", "Essential", "Studio", "Coastal", "City"),
        _lines(f"""
            linen shirt | menswear | 69 | 280 | washed linen; shell buttons | Size: {SIZES} / Colour: White, Sky, Olive
            merino jumper | menswear | 95 | 350 | extra-fine merino; ribbed cuffs | Size: {SIZES} / Colour: Navy, Oat
            chino trousers | menswear | 75 | 500 | organic cotton twill; tapered leg | Waist: 30, 32, 34, 36
            wrap dress | womenswear | 89 | 320 | fluid viscose; adjustable tie | Size: {SIZES} / Colour: Ink, Rust
            knitted cardigan | womenswear | 85 | 400 | wool and alpaca; horn buttons | Size: {SIZES}
            leather trainers | shoes | 119 | 900 | Italian leather; rubber cup sole | Size: {SHOES}
            canvas tote bag | bags | 35 | 300 | heavy cotton canvas; inner pocket | Colour: Natural, Black, Olive
            leather backpack | bags | 149 | 1100 | 15-inch laptop sleeve; brass hardware
            wool scarf | womenswear | 45 | 200 | lambswool; fringed ends | Colour: Black, Oat, Sage, Navy
        """),
    ),
)

NORTHWIND_CLASSICS = (
    # title, description, price, category, published: the first listings the store ever made
    ("Walnut headphone stand", "Solid walnut, felt base, fits every over-ear headphone.", "39.00", "headphones", True),
    ("Over-ear studio headphones", "Closed back, 40 mm drivers, detachable 3 m cable.", "149.90", "headphones", True),
    (
        "Bluetooth bookshelf speakers (pair)",
        "2 x 30 W, optical and aux inputs, walnut veneer.",
        "229.00",
        "speakers",
        True,
    ),
    ("Braided audio cable 1.5 m", "3.5 mm jack to jack, gold-plated contacts.", "12.50", "speakers", False),
    ("Vinyl cleaning kit", "Carbon-fibre brush, fluid and microfibre cloth.", "24.00", "turntables", False),
)


def seed(
    products: int = PRODUCTS, *, wait_for_categories: float = 0.0, say: Callable[[str], None] | None = None
) -> str:
    """Load the demo stores and `products` products (idempotent: what exists already is kept)."""
    say = say or (lambda message: None)
    categories = _wait_for_categories(wait_for_categories)
    loaded: list[str] = []
    created = 0
    shares = _shares(products)
    for store, share in zip(STORES, shares, strict=True):
        owner, new = _store(store)
        if new:
            loaded.append(store.name)
        created += _products(owner, store, share, categories)
        db.session.commit()
        say(f"{store.name}: {share} products")
    if not loaded and not created:
        return "already loaded"
    parts = [f"loaded {', '.join(loaded)}" if loaded else "stores already there", f"{created} new products"]
    if created and not categories:
        parts.append(
            "no categories replicated yet, so products have none: run "
            "`flask --app vendor_portal assign-demo-categories` once the relays have delivered them"
        )
    return "; ".join(parts)


def assign_demo_categories(*, wait_for_categories: float = 0.0) -> str:
    """File the demo products in the replicated categories (again) and refresh the shop's copies."""
    categories = _wait_for_categories(wait_for_categories)
    if not categories:
        return "no categories replicated yet: nothing assigned"
    changed = 0
    for store in STORES:
        user = vendor_user_by_email(store.email)
        if user is None:
            continue
        for product, index in _demo_products(user.vendor, store):
            changed += catalog.assign_category(product, categories.get(_category_of(store, index)), actor=user)
        db.session.commit()
    return f"{changed} demo products filed in a new category"


# ---- stores -------------------------------------------------------------------------------------


def _store(store: Store) -> tuple[VendorUser, bool]:
    owner = vendor_user_by_email(store.email)
    new = owner is None
    if owner is None:
        owner = accounts.register_vendor(store.name, store.contact, store.email, DEMO_PASSWORD)
        accounts.update_profile(
            owner.vendor,
            store_name=store.name,
            description=store.about,
            contact_name=store.contact,
            phone=f"+44 20 7946 0{sum(map(ord, store.code)) % 1000:03d}",
            email=store.email,
            return_policy="Return anything unused within 30 days for a full refund; we pay the return postage.",
            actor=owner,
            logo=images.Upload("logo.jpg", _picture(store.name, store.code, shape=1)),
        )
    if store.approved and owner.vendor.status != "approved":
        accounts.change_status(
            owner.vendor, "approved", reason="Demo store", request_id=f"demo-approve-{store.code}", actor="demo"
        )
    return owner, new


def _shares(total: int) -> list[int]:
    """How many products each store gets: a few drafts for the pending store, the rest split evenly."""
    pending = min(PENDING_SHARE, total // 10)
    approved = [s for s in STORES if s.approved]
    base, extra = divmod(total - pending, len(approved))
    shares, n = [], 0
    for store in STORES:
        if not store.approved:
            shares.append(pending)
        else:
            shares.append(base + (1 if n < extra else 0))
            n += 1
    return shares


# ---- products -----------------------------------------------------------------------------------


def _products(owner: VendorUser, store: Store, count: int, categories: dict[str, int]) -> int:
    existing = {index for _, index in _demo_products(owner.vendor, store)}
    created = 0
    for index in range(count):
        if index in existing:
            continue
        if store.code == "NWA" and index < len(NORTHWIND_CLASSICS):
            _classic(owner, store, index, categories)
        else:
            _generated(owner, store, index, categories)
        created += 1
        if created % COMMIT_EVERY == 0:
            db.session.commit()  # keeps the transaction and the session's memory small
    return created


def _sku(store: Store, index: int) -> str:
    return f"{store.code}-{index:04d}"


def _demo_products(vendor: Vendor, store: Store) -> list[tuple[Product, int]]:
    """The store's demo products with their index, found by their base SKU (CODE-0001)."""
    pattern = re.compile(rf"^{store.code}-(\d{{4}})$")
    rows = db.session.execute(
        sa.select(Product, Variant.sku)
        .join(Variant, Variant.product_id == Product.id)
        .where(Variant.vendor_id == vendor.id, Variant.sku.like(f"{store.code}-%"))
    ).all()
    found = {}
    for product, sku in rows:
        match = pattern.match(sku)
        if match:
            found[int(match.group(1))] = product
    return [(product, index) for index, product in sorted(found.items())]


def _classic(owner: VendorUser, store: Store, index: int, categories: dict[str, int]) -> None:
    title, description, price, category, published = NORTHWIND_CLASSICS[index]
    product = catalog.create_product(
        owner.vendor,
        title=title,
        description=description,
        price=Decimal(price),
        currency="EUR",
        sku=_sku(store, index),
        brand="Northwind",
        category_id=categories.get(category),
        initial_stock=20 + index * 7,
        actor=owner,
    )
    images.add_images(product, [images.Upload("photo.jpg", _picture(title, _sku(store, index)))], actor=owner)
    if published:
        catalog.publish(product, actor=owner)


def _category_of(store: Store, index: int) -> str:
    """The category slug of a demo product (the same on every run: products are numbered)."""
    if store.code == "NWA" and index < len(NORTHWIND_CLASSICS):
        return NORTHWIND_CLASSICS[index][3]
    return store.lines[index % len(store.lines)].category


def _generated(owner: VendorUser, store: Store, index: int, categories: dict[str, int]) -> None:
    rng = random.Random(zlib.crc32(f"{store.code}-{index}".encode()))
    line = store.lines[index % len(store.lines)]
    style = store.styles[(index // len(store.lines)) % len(store.styles)]
    brand = rng.choice(store.brands)
    title = _title(store, line, style, index)
    price = money(Decimal(line.price) * Decimal(rng.choice((85, 95, 100, 100, 110, 125))) / 100).quantize(
        Decimal("1")
    ) - Decimal("0.01")
    on_sale = rng.random() < 0.15
    low = rng.random() < 0.04  # a few products run low: 1 to 3 units, below the threshold of 5
    product = catalog.create_product(
        owner.vendor,
        title=title,
        description=_description(store, line, title, brand, rng),
        price=price,
        compare_at_price=money(price * Decimal("1.25")) if on_sale else None,
        currency="GBP" if store.code in ("DEB", "FFG") else "EUR",
        sku=_sku(store, index),
        brand=brand,
        category_id=categories.get(line.category),
        weight_grams=int(line.grams * rng.uniform(0.9, 1.1)),
        attributes=_attributes(line, brand, rng),
        actor=owner,
    )
    if line.options:
        variants.set_options(product, [variants.OptionSpec(n, v) for n, v in line.options], actor=owner)
    _stock_and_prices(product, line, rng, low=low, actor=owner)
    pictures = [images.Upload("photo.jpg", _picture(title, _sku(store, index), shape=index))]
    if rng.random() < 0.2:
        pictures.append(images.Upload("detail.jpg", _picture(title, _sku(store, index) + "b", shape=index + 1)))
    images.add_images(product, pictures, actor=owner)
    roll = rng.random()
    if owner.vendor.can_publish and roll < 0.93:
        catalog.publish(product, actor=owner)
    elif owner.vendor.can_publish and roll < 0.96:
        catalog.archive(product, actor=owner)


def _title(store: Store, line: Line, style: str, index: int) -> str:
    if store.code == "DEB":
        author = ("June Okafor", "Tomas Berg", "Ines Moreau", "Ravi Mehta", "Clara Holt", "Owen Price")[index % 6]
        return f"{style}: {line.noun} by {author}"
    title = f"{style} {line.noun}"
    return title[0].upper() + title[1:]


def _description(store: Store, line: Line, title: str, brand: str, rng: random.Random) -> str:
    first, second = line.features
    if rng.random() < 0.4:
        # Some vendors write a little markup: it is kept within the allow-list.
        return (
            f"<p><strong>{title}</strong> from {brand}.</p>"
            f"<ul><li>{first.capitalize()}</li><li>{second.capitalize()}</li></ul>"
            f"<p>{store.about}</p>"
        )
    return f"{title} from {brand}: {first}, {second}.\n\n{store.about}"


def _attributes(line: Line, brand: str, rng: random.Random) -> dict[str, str]:
    attributes = {"Brand": brand, "Warranty": rng.choice(("1 year", "2 years", "2 years", "5 years"))}
    if line.grams >= 1000:
        attributes["Weight"] = f"{line.grams / 1000:.1f} kg"
    return attributes


def _stock_and_prices(product: Product, line: Line, rng: random.Random, *, low: bool, actor: VendorUser) -> None:
    live, _ = variants.split_variants(product)
    first = line.options[0] if line.options else None
    changes = []
    for variant in live:
        measured = first is not None and any(unit in value for value in first[1] for unit in MEASURES)
        step = first[1].index(variant.options[first[0]]) if measured else 0
        # Larger sizes cost a little more, as in real shops.
        bump = (variant.price * Decimal("0.15") * step).quantize(Decimal("1"))
        stock = rng.randint(1, 3) if low else rng.randint(5, 80)
        changes.append(
            variants.VariantChange(
                variant_id=variant.id,
                sku=variant.sku,
                price=variant.price + bump,
                compare_at_price=variant.compare_at_price + bump if variant.compare_at_price else None,
                is_active=True,
                initial_stock=stock,
            )
        )
    variants.update_variants(product, changes, actor=actor)


# ---- pictures -----------------------------------------------------------------------------------

_PALETTE = ("#1d4ed8", "#b45309", "#047857", "#be123c", "#6d28d9", "#0e7490", "#a16207", "#334155", "#9d174d")


def _picture(title: str, key: str, shape: int = 0) -> bytes:
    """A product picture: a two-colour gradient, a shape and the title's initial; distinct for each key."""
    seed = zlib.crc32(key.encode())
    first, second = _PALETTE[seed % len(_PALETTE)], _PALETTE[(seed // 7) % len(_PALETTE)]
    mask = Image.linear_gradient("L").rotate(seed % 360).resize((IMAGE_SIZE, IMAGE_SIZE))
    picture = Image.composite(Image.new("RGB", mask.size, first), Image.new("RGB", mask.size, second), mask)
    draw = ImageDraw.Draw(picture)
    box = (90, 90, IMAGE_SIZE - 90, IMAGE_SIZE - 90)
    fill = (255, 255, 255)
    kind = shape % 4
    if kind == 0:
        draw.ellipse(box, fill=fill)
    elif kind == 1:
        draw.rounded_rectangle(box, radius=48, fill=fill)
    elif kind == 2:
        middle = IMAGE_SIZE // 2
        draw.polygon([(middle, 80), (IMAGE_SIZE - 80, middle), (middle, IMAGE_SIZE - 80), (80, middle)], fill=fill)
    else:
        draw.regular_polygon((IMAGE_SIZE // 2, IMAGE_SIZE // 2, 160), 6, fill=fill)
    initial = next((c for c in title if c.isalnum()), "?").upper()
    draw.text((IMAGE_SIZE // 2, IMAGE_SIZE // 2), initial, font=_font(), fill=first, anchor="mm")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


_FONT: list[ImageFont.FreeTypeFont | ImageFont.ImageFont] = []


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if not _FONT:
        _FONT.append(ImageFont.load_default(size=170))
    return _FONT[0]


# ---- categories ---------------------------------------------------------------------------------


def _category_ids() -> dict[str, int]:
    rows = db.session.execute(sa.select(Category.slug, Category.id).where(Category.retired.is_(False))).all()
    return {slug: category_id for slug, category_id in rows}  # noqa: C416 - rows are Row objects


def _wait_for_categories(seconds: float) -> dict[str, int]:
    """The replicated categories by slug, waiting up to `seconds` for them to arrive and stop arriving."""
    wait_until_settled(lambda: len(_category_ids()), seconds, settle=1.0)  # a relay batch lands within a second
    return _category_ids()


# ---- the past orders' fulfilment --------------------------------------------------------------------

FULFIL_STEPS = ("acknowledged", "packed", "shipped", "delivered")
STEP_HOURS = {"acknowledged": (1, 10), "packed": (10, 30), "shipped": (20, 50), "delivered": (30, 90)}
CARRIERS = ("DHL", "UPS", "DPD", "GLS", "PostNL")


def wait_for_orders(timeout: float) -> int:
    """Wait until the shop's past orders have arrived (by order.placed) and stopped arriving."""
    return wait_until_settled(
        lambda: db.session.scalar(sa.select(sa.func.count()).select_from(VendorOrder)) or 0, timeout
    )


def seed_fulfilment(*, say: Callable[[str], None] | None = None) -> str:
    """Take the demo stores' open orders as far as their age says a store would have: acknowledged within
    hours, shipped within two days, delivered within four. Through the same operations as the order pages,
    dated in the past, so the shop and the admin portal follow by fulfilment.updated. Idempotent: an order
    is moved on from where it stands and never past what its age allows."""
    say = say or (lambda message: None)
    now = utcnow()
    owners = dict(
        db.session.execute(
            sa.select(VendorUser.vendor_id, sa.func.min(VendorUser.id)).group_by(VendorUser.vendor_id)
        ).all()
    )
    orders = list(
        db.session.scalars(
            sa.select(VendorOrder)
            .where(VendorOrder.status.in_(("placed", *FULFIL_STEPS[:-1])))
            .order_by(VendorOrder.placed_at)
        )
    )
    moved = 0
    for index, order in enumerate(orders, start=1):
        # The store's first user does it; a store without users (made by hand) is named instead.
        user_id = owners.get(order.vendor_id)
        actor = db.session.get(VendorUser, user_id) if user_id else f"vendor:{order.vendor_id}"
        if _fulfil(order, actor, now):
            moved += 1
        if index % 100 == 0:
            db.session.commit()
            say(f"{index} of {len(orders)} orders looked at")
    db.session.commit()
    return f"{moved} past orders moved on by their stores" if moved else "no past order to move on"


def _fulfil(order: VendorOrder, owner: VendorUser | str, now: datetime) -> bool:
    rng = random.Random(f"fulfil:{order.order_id}:{order.vendor_id}")  # the same plan on every run
    target = _target_status(rng, now - order.placed_at)
    moment, moved = order.placed_at, False
    for step in FULFIL_STEPS[: FULFIL_STEPS.index(target) + 1] if target else ():
        moment += timedelta(hours=rng.uniform(*STEP_HOURS[step]))
        carrier = rng.choice(CARRIERS)
        tracking = f"{carrier[:2].upper()}{rng.randint(10**9, 10**10 - 1)}"
        if FULFIL_STEPS.index(step) <= _done(order.status):
            continue  # done on an earlier run
        if moment >= now:
            break
        if step == "acknowledged":
            order_operations.acknowledge(order, actor=owner, at=moment)
        elif step == "packed":
            order_operations.mark_packed(order, actor=owner, at=moment)
        elif step == "shipped":
            order_operations.ship(order, carrier=carrier, tracking_number=tracking, actor=owner, at=moment)
        else:
            order_operations.mark_delivered(order, actor=owner, at=moment)
        moved = True
    return moved


def _done(status: str) -> int:
    return FULFIL_STEPS.index(status) if status in FULFIL_STEPS else -1


def _target_status(rng: random.Random, age: timedelta) -> str | None:
    """How far a store has taken an order of this age (None: not even acknowledged yet)."""
    days, roll = age.total_seconds() / 86400, rng.random()
    if days > 9:
        return "delivered" if roll < 0.97 else "shipped"
    if days > 5:
        return "delivered" if roll < 0.5 else "shipped"
    if days > 2:
        return "shipped" if roll < 0.7 else "packed"
    if days > 0.5:
        return "acknowledged" if roll < 0.7 else None
    return None
