"""factory_boy factories: every test builds the data it needs in code."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from demo.assessment import answer_all
from demo.materials import attach_required_materials
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
from workspaces.accounts import mark_email_verified
from workspaces.models import Membership, Role, Workspace

PASSWORD = "pw-for-tests"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """The address is confirmed (allauth's EmailAddress), as after sign-up, so
        the user can sign in; UserFactory(verified_email=False) has not confirmed it."""
        if create and user.email and extracted is not False:
            mark_email_verified(user)


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


# ---------------------------------------------------------------------------
# Complete data: what the checks accept without an error (approval needs it).
# ---------------------------------------------------------------------------

COMPLETE_PROVIDER = {
    "registered_address": "北京市海淀区中关村大街1号示例大厦10层",
    "certificate_type": choices.CertificateType.BUSINESS_LICENSE,
    "certificate_address": "北京市海淀区中关村大街1号示例大厦10层",
    "icp_number": "京ICP备12345678号",
    "mau": 5_000_000,
    "legal_rep_name": "张三",
    "legal_rep_id_type": choices.IdType.RESIDENT_ID,
    "legal_rep_id_number": "11010519491231002X",
    "officer_name": "李四",
    "officer_id_type": choices.IdType.RESIDENT_ID,
    "officer_id_number": "110108199003071238",
    "officer_mobile": "13800138000",
    "officer_email": "security@example.cn",
}
COMPLETE_SERVICE = {
    "access_url": "https://www.example.cn/news/app",
    "target_users": "面向全国个人用户提供新闻资讯浏览、评论和分享服务。",
    "real_name_required": True,
    "dau": 600_000,
    "mau": 3_000_000,
    # The screening questions, all answered (an unanswered one is an error).
    "public_opinion_attributes": True,
    "social_mobilization": False,
    "opinion_features": ["comments", "info_sharing"],
    "serves_minors": False,
    "involves_workers": False,
    "consumer_pricing": False,
}
COMPLETE_ALGORITHM = {
    "application_domains": ["新闻门户"],
    "launch_status": choices.LaunchStatus.ONLINE,
    "launch_date": dt.date(2025, 1, 6),
    "summary": (
        "根据用户的浏览、点赞、评论等行为和用户主动选择的兴趣标签，"
        "从候选新闻资讯中召回、排序并推送用户可能感兴趣的内容。"
    ),
    "usage_scenario": "示例应用首页“推荐”频道的个性化信息流。",
    "input_modalities": ["text"],
    "output_modalities": ["text"],
    "output_formats": ["json"],
    "data_sources": "用户在本平台的浏览、点击、停留时长、点赞、评论行为数据，以及资讯的标题和正文。",
    "data_contains_biometric": False,
    "data_contains_identity": False,
    "model_and_training_data": "双塔召回模型与多目标排序模型，使用近90天脱敏行为日志训练，每日增量更新。",
    "strategy": (
        "首页首屏、热点榜单设人工干预；同一来源内容打散，低质内容降权；"
        "提供关闭个性化推荐的开关和兴趣标签管理功能。"
    ),
    "risks_and_safeguards": (
        "主要风险为信息茧房、不良信息传播和推荐结果被操纵。防范机制：多样性打散、内容安全审核、"
        "违法不良信息特征库过滤、异常行为识别、未成年人模式和人工复核。"
    ),
}
COMPLETE_DISCLOSURE = {
    "basic_principle": "基于用户行为数据和内容特征，通过召回、排序两阶段模型计算用户对资讯的兴趣程度。",
    "operating_mechanism": "用户请求→候选召回→安全过滤→多目标排序→打散与人工干预→展示，并根据反馈持续更新。",
    "purpose": "应用于新闻资讯推荐场景，根据用户兴趣为用户推荐可能感兴趣的新闻资讯。",
}


_COMPLETE_NUMBERS = itertools.count(1)


def complete_algorithm(*, workspace=None, **fields) -> Algorithm:
    """An algorithm with its provider, one product using it and its disclosure,
    filled in so that the checks report no error, with a sample file in every
    required material's slot, and a self-assessment answering every item that
    applies (demo.assessment). Warnings may stay open: approving it
    needs the reviewer's acknowledgement of them.

    Inside a test transaction, run the on-commit callbacks around this call
    (django_capture_on_commit_callbacks(execute=True)) to record its version."""
    provider_fields = {"workspace": workspace} if workspace is not None else {}
    fields.setdefault("name", f"示例新闻推荐算法-{next(_COMPLETE_NUMBERS)}")
    provider = ProviderFactory(**provider_fields, **COMPLETE_PROVIDER)
    service = ServiceFactory(provider=provider, **COMPLETE_SERVICE)
    algorithm = AlgorithmFactory(provider=provider, **{**COMPLETE_ALGORITHM, **fields})
    DeploymentFactory(
        algorithm=algorithm,
        service=service,
        function_name="首页推荐",
        function_description=f"用户打开{service.name}后，首页“推荐”频道按个性化排序展示新闻资讯。",
    )
    DisclosureFactory(
        algorithm=algorithm,
        application_scenario=f"应用于{service.name}首页推荐频道。",
        **COMPLETE_DISCLOSURE,
    )
    # Every required material uploaded (filings.materials): no material error.
    attach_required_materials(algorithm)
    # No conclusion without an assessment: every applicable item answered.
    answer_all(
        algorithm,
        assessed_on=dt.date(2025, 1, 2),
        report_date=dt.date(2025, 1, 3),
        conclusion="经评估，该算法已落实适用事项的管理制度和技术措施，安全风险总体可控。",
    )
    return algorithm
