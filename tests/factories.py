"""factory_boy factories: every test builds the data it needs in code."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from filings import choices
from filings.models import (
    Algorithm,
    Deployment,
    Disclosure,
    Filing,
    Provider,
    Service,
    ThirdPartyModel,
)
from workspaces.models import Membership, Role, Workspace

PASSWORD = "pw-for-tests"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password(PASSWORD)


class WorkspaceFactory(DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"合规组{n}")
    slug = factory.Sequence(lambda n: f"ws-{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"北京示例科技{n}有限公司")
    uscc = "91110108MA01ABCD1E"
    entity_type = choices.EntityType.ENTERPRISE
    region_code = "110108"


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderFactory)
    workspace = factory.SelfAttribute("provider.workspace")
    name = factory.Sequence(lambda n: f"示例应用{n}")
    form = choices.ServiceForm.APP
    status = choices.LaunchStatus.ONLINE
    launch_date = dt.date(2025, 1, 6)


class AlgorithmFactory(DjangoModelFactory):
    class Meta:
        model = Algorithm

    provider = factory.SubFactory(ProviderFactory)
    workspace = factory.SelfAttribute("provider.workspace")
    name = factory.Sequence(lambda n: f"示例推荐算法{n}")
    type = choices.AlgorithmType.PERSONALIZED_PUSH
    role = choices.Role.SERVICE_PROVIDER


class DeploymentFactory(DjangoModelFactory):
    class Meta:
        model = Deployment

    algorithm = factory.SubFactory(AlgorithmFactory)
    workspace = factory.SelfAttribute("algorithm.workspace")
    service = factory.SubFactory(
        ServiceFactory, provider=factory.SelfAttribute("..algorithm.provider")
    )
    function_name = "首页推荐"
    access_path = factory.LazyFunction(lambda: ["首页", "推荐"])


class ThirdPartyModelFactory(DjangoModelFactory):
    class Meta:
        model = ThirdPartyModel

    algorithm = factory.SubFactory(AlgorithmFactory)
    workspace = factory.SelfAttribute("algorithm.workspace")
    name = "示例大模型"
    vendor = "示例模型公司"
    filing_number = "网信算备110108823483901230031号"


class DisclosureFactory(DjangoModelFactory):
    class Meta:
        model = Disclosure

    algorithm = factory.SubFactory(AlgorithmFactory)
    workspace = factory.SelfAttribute("algorithm.workspace")
    purpose = "应用于新闻推荐场景，为用户推荐资讯。"


class FilingFactory(DjangoModelFactory):
    class Meta:
        model = Filing

    algorithm = factory.SubFactory(AlgorithmFactory)
    workspace = factory.SelfAttribute("algorithm.workspace")
    kind = choices.FilingKind.INITIAL
    status = choices.FilingStatus.DRAFT
