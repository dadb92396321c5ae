from __future__ import annotations

import factory

from apps.accounts.models import ConnectionStatus, Membership, Organisation, User
from apps.accounts.roles import Role

SANDBOX_BASE_URL = "http://testserver/sandbox/api/v1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    base_url = SANDBOX_BASE_URL

    @factory.post_generation
    def connection(obj, create, extracted, **kwargs):
        if create:
            ConnectionStatus.objects.get_or_create(organisation=obj)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.MEMBER
