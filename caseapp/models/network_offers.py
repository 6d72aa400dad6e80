"""Other offers of the network besides the courses: volunteer German groups, counselling
services and more, listed on the public offers as admins entered them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.vocabulary import NetworkOfferKind

from .base import Base

NETWORK_OFFER_KINDS = tuple(NetworkOfferKind)


class NetworkOffer(Base):
    """An offer of the network; an inactive one is kept for the history but not listed."""

    __tablename__ = "network_offers"
    __table_args__ = (
        CheckConstraint("kind IN ({})".format(", ".join(f"'{k}'" for k in NETWORK_OFFER_KINDS)),
                        name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    municipality: Mapped[str] = mapped_column(String(120), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    schedule: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
