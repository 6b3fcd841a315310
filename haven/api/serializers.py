"""What the API answers. Counts and flags about beds, never who sleeps in them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from haven.core.models import Room


class BedCountsSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField(help_text="Every bed, in service or not.")
    in_service = serializers.IntegerField(help_text="Beds that can be slept in.")
    occupied = serializers.IntegerField(help_text="Beds with someone in them tonight.")
    free = serializers.IntegerField(
        help_text="In service, nobody in them and not held by an open offer."
    )


class ShelterSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="The shelter's public id.")
    name = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code of the host country.")
    beds = BedCountsSerializer()


class BedSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id", help_text="The bed's public id.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    room = serializers.CharField(source="room.name")
    room_gender = serializers.ChoiceField(choices=Room.Gender.values, source="room.gender")
    accessible = serializers.BooleanField()
    in_service = serializers.BooleanField()
    occupied = serializers.BooleanField(help_text="Someone sleeps there tonight.")
    held = serializers.BooleanField(help_text="An open offer keeps it for someone.")
    free = serializers.BooleanField(help_text="In service, not occupied and not held.")


class OccupancyDaySerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    occupied = serializers.IntegerField(help_text="Beds taken that night.")


class OccupancySerializer(serializers.Serializer[Any]):
    shelter = serializers.UUIDField()
    start = serializers.DateField()
    end = serializers.DateField()
    beds_in_service = serializers.IntegerField(help_text="Today, not on each day.")
    days = OccupancyDaySerializer(many=True)


class WaitlistCountrySerializer(serializers.Serializer[Any]):
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code of the host country.")
    waiting = serializers.IntegerField(help_text="Accepted applicants without a bed yet.")
    offered = serializers.IntegerField(
        help_text="Of those waiting, how many hold an open offer of a bed."
    )


class WaitlistSerializer(serializers.Serializer[Any]):
    countries = WaitlistCountrySerializer(many=True)


class SubmittedSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(help_text="The application code, like HV-ABCD-2345.")
    passphrase = serializers.CharField(
        help_text="The applicant's passphrase: give it to them with the code, do not keep it."
    )
    status_url = serializers.URLField(
        help_text="Where the applicant checks their status with both codes."
    )
