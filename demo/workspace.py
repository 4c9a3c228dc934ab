"""The demo workspace: one provider, three services and five algorithms of
different kinds, some complete and some not, in realistic Chinese."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from assessments.models import Risk
from filings.choices import (
    AlgorithmType,
    CertificateType,
    EntityType,
    FilingKind,
    FilingStatus,
    IdType,
    LaunchStatus,
    ManagementSystemKind,
    ModelSource,
    RiskKind,
    ServiceForm,
    TechnicalServiceMode,
)
from filings.choices import Role as FilingRole
from filings.models import (
    Algorithm,
    Deployment,
    Disclosure,
    Filing,
    ManagementSystem,
    Provider,
    Service,
    ThirdPartyModel,
)
from workspaces.accounts import mark_email_verified
from workspaces.models import Membership, Role, Workspace

DEMO_SLUG = "demo"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-suanbei-2026"
DEMO_REVIEWER = "lawyer"


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def load_demo(*, reset: bool = False) -> Workspace:
    existing = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if existing and not reset:
        return existing
    if existing:
        existing.delete()

    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@example.cn"}
    )
    if created or reset:
        user.set_password(DEMO_PASSWORD)
        user.save()

    ws = Workspace.objects.create(name="示例智能科技合规组", slug=DEMO_SLUG)
    Membership.objects.create(workspace=ws, user=user, role=Role.OWNER)
    # A second member, so that the review can be tried: the owner asks, the lawyer decides.
    reviewer, created = User.objects.get_or_create(
        username=DEMO_REVIEWER, defaults={"email": "lawyer@example.cn", "first_name": "王律师"}
    )
    if created or reset:
        reviewer.set_password(DEMO_PASSWORD)
        reviewer.save()
    Membership.objects.create(workspace=ws, user=reviewer, role=Role.REVIEWER)
    # Sign-in needs a confirmed address; the demo's are not real, so they are marked confirmed.
    for account in (user, reviewer):
        mark_email_verified(account)

    p = _save(
        Provider(
            workspace=ws,
            name="北京示例智能科技有限公司",
            uscc="91110108MA01ABCD1E",
            entity_type=EntityType.ENTERPRISE,
            region_code="110108",
            registered_address="北京市海淀区中关村大街1号示例大厦10层",
            office_address="北京市海淀区中关村大街1号示例大厦10-12层",
            website="https://www.example.cn",
            mau=5_200_000,
            certificate_type=CertificateType.BUSINESS_LICENSE,
            certificate_address="北京市海淀区中关村大街1号示例大厦10层",
            icp_number="京ICP备12345678号",
            legal_rep_name="张三",
            legal_rep_id_type=IdType.RESIDENT_ID,
            legal_rep_id_number="11010519491231002X",
            officer_name="李四",
            officer_id_type=IdType.RESIDENT_ID,
            officer_id_number="110108199003071238",
            officer_mobile="13800138000",
            officer_email="security@example.cn",
            officer_position="算法安全负责人、首席合规官",
            security_org_name="算法安全委员会",
            security_org_headcount=8,
            security_org_description=(
                "算法安全委员会由首席合规官牵头，成员来自算法、内容安全、数据安全和法务团队，"
                "负责算法机制机理审核、安全评估、监测和应急处置。"
            ),
            security_staff_requirements="熟悉算法推荐、数据安全和个人信息保护法规，具备三年以上内容安全或算法研发经验，经岗前培训考核合格。",
            security_technical_measures="建设算法安全监测平台，对推荐结果、热搜榜单和生成内容实时监测；设置人工干预和一键下线开关；日志留存不少于六个月。",
        )
    )
    systems = [
        (ManagementSystemKind.SELF_ASSESSMENT, "算法安全自评估制度", dt.date(2024, 1, 1)),
        (ManagementSystemKind.MONITORING, "算法安全监测制度", dt.date(2024, 1, 1)),
        (ManagementSystemKind.INCIDENT_RESPONSE, "算法安全事件应急处置制度", dt.date(2024, 1, 1)),
        (ManagementSystemKind.ETHICS_REVIEW, "科技伦理审查制度", dt.date(2024, 6, 1)),
    ]
    for i, (kind, title, adopted) in enumerate(systems):
        _save(
            ManagementSystem(
                workspace=ws,
                provider=p,
                kind=kind,
                title=title,
                adopted_on=adopted,
                position=i,
                summary=f"规定{title[:-2]}的职责分工、工作流程、记录留存和责任追究。",
            )
        )

    news = _save(
        Service(
            workspace=ws,
            provider=p,
            name="示例新闻",
            form=ServiceForm.APP,
            access_url="https://www.example.cn/news/app",
            status=LaunchStatus.ONLINE,
            launch_date=dt.date(2024, 3, 1),
            target_users="面向全国个人用户提供新闻资讯浏览、评论和分享服务。",
            real_name_required=True,
            prior_licences="京ICP备12345678号；互联网新闻信息服务许可证",
            dau=600_000,
            mau=3_000_000,
            public_opinion_attributes=True,
            social_mobilization=True,
            opinion_features=["comments", "info_sharing", "public_accounts"],
            serves_minors=True,
            involves_workers=False,
            consumer_pricing=False,
        )
    )
    ride = _save(
        Service(
            workspace=ws,
            provider=p,
            name="示例出行",
            form=ServiceForm.APP,
            access_url="https://www.example.cn/ride/app",
            status=LaunchStatus.ONLINE,
            launch_date=dt.date(2025, 5, 20),
            target_users="面向乘客和网约车驾驶员。",
            real_name_required=True,
            prior_licences="京ICP备12345678号；网络预约出租汽车经营许可证",
            dau=150_000,
            mau=900_000,
            public_opinion_attributes=False,
            social_mobilization=True,
            opinion_features=["other_channel"],
            serves_minors=False,
            involves_workers=True,
            consumer_pricing=True,
        )
    )
    assistant = _save(
        Service(
            workspace=ws,
            provider=p,
            name="示例AI助手",
            form=ServiceForm.WEBSITE,
            access_url="https://ai.example.cn",
            status=LaunchStatus.NOT_ONLINE,
            target_users="面向境内公众提供智能问答和写作辅助。",
            real_name_required=True,
            prior_licences="京ICP备12345678号",
            public_opinion_attributes=True,
            social_mobilization=False,
            opinion_features=["chat", "info_sharing"],
            serves_minors=False,
            involves_workers=False,
            consumer_pricing=False,
        )
    )

    # 1. Complete and filed: the personalised news feed.
    feed = _save(
        Algorithm(
            workspace=ws,
            provider=p,
            name="示例新闻个性化推荐算法",
            type=AlgorithmType.PERSONALIZED_PUSH,
            role=FilingRole.SERVICE_PROVIDER,
            application_domains=["新闻门户", "用户内容生成(UGC)"],
            launch_status=LaunchStatus.ONLINE,
            launch_date=dt.date(2024, 3, 1),
            summary="根据用户的浏览、点赞、评论等行为和用户主动选择的兴趣标签，从候选新闻资讯中召回、排序并推送用户可能感兴趣的内容。",
            usage_scenario="示例新闻APP首页“推荐”频道的信息流。",
            input_modalities=["text"],
            output_modalities=["text", "image"],
            output_formats=["json", "jpg"],
            data_sources="用户在本平台的浏览、点击、停留时长、点赞、评论、分享行为数据，以及资讯内容的标题、正文、标签。",
            data_contains_biometric=False,
            data_contains_identity=False,
            model_and_training_data="双塔召回模型与多目标排序模型，使用近90天脱敏行为日志训练，每日增量更新。",
            strategy="首页首屏、热点榜单设人工干预；同一来源内容打散，低质内容降权；提供关闭个性化推荐开关和兴趣标签管理。",
            infrastructure="部署于北京自有数据中心，推荐服务运行于40台通用服务器和8台GPU服务器，数据存储于境内。",
            risks_and_safeguards="防范信息茧房和不良信息传播：多样性打散、内容安全审核、特征库过滤、未成年人模式。",
        )
    )
    Deployment.objects.create(
        workspace=ws,
        algorithm=feed,
        service=news,
        function_name="首页推荐",
        position=0,
        function_description="用户打开示例新闻APP后，首页“推荐”频道按个性化排序展示新闻资讯。",
        access_path=["首页", "推荐"],
    )
    Disclosure.objects.create(
        workspace=ws,
        algorithm=feed,
        basic_principle="基于用户行为数据和内容特征，通过召回、排序两阶段模型计算用户对资讯的兴趣程度。",
        operating_mechanism="用户请求→候选召回→安全过滤→多目标排序→打散与人工干预→展示，并根据反馈持续更新。",
        application_scenario="应用于示例新闻APP首页推荐频道。",
        purpose="应用于新闻资讯推荐场景，根据用户兴趣为用户推荐可能感兴趣的新闻资讯。",
    )
    Filing.objects.create(
        workspace=ws,
        algorithm=feed,
        kind=FilingKind.INITIAL,
        status=FilingStatus.FILED,
        filing_number="网信算备110108823483901240031号",
        submitted_on=dt.date(2024, 3, 8),
        filed_on=dt.date(2024, 6, 12),
    )
    # Every applicable item answered (no conclusion without an assessment),
    # one of them partly met, with the gap and its rectification.
    from .assessment import answer_all

    assessment = answer_all(
        feed,
        assessed_on=dt.date(2024, 3, 5),
        report_date=dt.date(2024, 3, 6),
        conclusion=(
            "经评估，该算法已建立较完善的安全管理制度和技术措施；长辈模式尚未覆盖评论区，"
            "已制定整改措施并明确完成时限。评估认为，该算法安全风险总体可控。"
        ),
        gaps={
            "ARS-19-age-friendly": {
                "status": "partial",
                "measures": "提供“长辈模式”（大字号、简化界面），推荐内容经适老化审核。",
                "justification": "长辈模式尚未覆盖评论区和搜索结果页，老年用户在这些页面仍使用标准界面。",
                "rectification": "将长辈模式扩展到评论区和搜索结果页，并开展老年用户可用性测试。",
                "rectification_due": dt.date(2024, 6, 30),
            }
        },
    )
    Risk.objects.create(
        workspace=ws,
        assessment=assessment,
        kind=RiskKind.ABUSE,
        description="推荐结果过度集中导致信息茧房。",
        position=0,
    )

    # 2. In review: the news search.
    search = _save(
        Algorithm(
            workspace=ws,
            provider=p,
            name="示例新闻搜索算法",
            type=AlgorithmType.INFORMATION_RETRIEVAL,
            role=FilingRole.SERVICE_PROVIDER,
            application_domains=["新闻门户", "搜索引擎"],
            launch_status=LaunchStatus.ONLINE,
            launch_date=dt.date(2024, 3, 1),
            summary="根据用户输入的查询词，检索并排序与之相关的新闻资讯。",
            usage_scenario="示例新闻APP和网站的搜索框。",
            input_modalities=["text"],
            output_modalities=["text"],
            output_formats=["json"],
            data_sources="平台内已发布的新闻资讯及其元数据。",
            data_contains_biometric=False,
            data_contains_identity=False,
            model_and_training_data="倒排索引召回与语义相关性排序模型。",
            strategy="热搜词人工审核；违法不良信息关键词过滤。",
            risks_and_safeguards="防范搜索结果被操纵：排序因素公开，异常点击识别。",
        )
    )
    Deployment.objects.create(
        workspace=ws,
        algorithm=search,
        service=news,
        function_name="资讯搜索",
        position=0,
        function_description="用户在搜索框输入关键词，返回相关新闻资讯列表。",
        access_path=["首页", "搜索框"],
    )
    # Without check errors in its content, so that the lawyer can approve it (after
    # acknowledging the warnings the checks still give: thin texts, no flowchart):
    # its self-assessment answers every item that applies.
    Disclosure.objects.create(
        workspace=ws,
        algorithm=search,
        basic_principle="基于倒排索引召回与查询词的语义相关性计算，对候选新闻资讯进行相关性和时效性排序。",
        operating_mechanism="用户输入查询词→分词与纠错→倒排索引召回→安全过滤→相关性排序→展示搜索结果。",
        application_scenario="应用于示例新闻APP和网站的资讯搜索功能。",
        purpose="应用于资讯搜索场景，根据用户输入的查询词为用户提供相关新闻资讯。",
    )
    answer_all(
        search,
        assessed_on=dt.date(2024, 2, 26),
        report_date=dt.date(2024, 2, 28),
        conclusion=(
            "经对示例新闻搜索算法开展安全自评估，适用事项均已落实相应的管理制度和技术措施，"
            "评估认为，该算法安全风险总体可控。"
        ),
        search=True,
    )
    search_filing = Filing.objects.create(workspace=ws, algorithm=search, kind=FilingKind.INITIAL)
    from reviews.services import review_request_create

    review_request_create(
        filing=search_filing, by=user, reviewers=[reviewer], note="请审核搜索算法的备案材料。"
    )

    # 3. Draft, partly filled: ride-hailing dispatch.
    dispatch = _save(
        Algorithm(
            workspace=ws,
            provider=p,
            name="示例出行智能派单算法",
            type=AlgorithmType.DISPATCH_DECISION,
            role=FilingRole.SERVICE_PROVIDER,
            application_domains=["出行服务"],
            launch_status=LaunchStatus.ONLINE,
            launch_date=dt.date(2025, 5, 20),
            summary="综合乘客位置、目的地、驾驶员位置和服务分，为订单匹配驾驶员并规划路径。",
            input_modalities=["text"],
            output_modalities=["text"],
            output_formats=["json"],
        )
    )
    Deployment.objects.create(
        workspace=ws,
        algorithm=dispatch,
        service=ride,
        function_name="叫车派单",
        position=0,
        function_description="乘客下单后，系统自动为订单匹配附近的驾驶员。",
        access_path=["首页", "叫车"],
    )
    Filing.objects.create(workspace=ws, algorithm=dispatch, kind=FilingKind.INITIAL)

    # 4. Draft: public generative chat assistant using a third-party model.
    chat = _save(
        Algorithm(
            workspace=ws,
            provider=p,
            name="示例AI助手生成合成算法",
            type=AlgorithmType.GENERATION_SYNTHESIS,
            role=FilingRole.SERVICE_PROVIDER,
            generative_ai_service=True,
            # Calls a filed model unchanged: the 登记 route (filings.generative.route).
            model_source=ModelSource.API_UNCHANGED,
            application_domains=["信息管理"],
            launch_status=LaunchStatus.NOT_ONLINE,
            summary="基于大语言模型，根据用户输入的文本生成回答和文稿。",
            input_modalities=["text"],
            output_modalities=["text"],
            output_formats=["txt"],
        )
    )
    ThirdPartyModel.objects.create(
        workspace=ws,
        algorithm=chat,
        name="示例通用大模型",
        vendor="上海示例模型科技有限公司",
        filing_number="网信算备310115123456701240011号",
        gai_number="Shanghai-ShiLiTongYong-202404280001",
        position=0,
    )
    Deployment.objects.create(
        workspace=ws,
        algorithm=chat,
        service=assistant,
        function_name="智能问答",
        position=0,
        access_path=["首页", "对话"],
    )
    Filing.objects.create(workspace=ws, algorithm=chat, kind=FilingKind.INITIAL)

    # 5. Draft: the same company as technical supporter of a model platform.
    _save(
        Algorithm(
            workspace=ws,
            provider=p,
            name="示例大模型开放平台算法",
            type=AlgorithmType.GENERATION_SYNTHESIS,
            role=FilingRole.TECHNICAL_SUPPORTER,
            # Offers its own model through an API: a provider under GAI-2023 Art 22.
            model_source=ModelSource.OWN,
            application_domains=["云计算"],
            launch_status=LaunchStatus.NOT_ONLINE,
            summary="通过API和SDK向企业客户提供文本生成能力。",
            technical_service_modes=[TechnicalServiceMode.API, TechnicalServiceMode.SDK],
        )
    )
    Filing.objects.create(
        workspace=ws, algorithm=Algorithm.objects.get(workspace=ws, name="示例大模型开放平台算法")
    )
    # The feed's and the search's materials are all uploaded (sample files):
    # the filed feed is complete, the search in review can be approved and submitted.
    from .materials import attach_required_materials

    attach_required_materials(feed, by=user)
    attach_required_materials(search, by=user)
    # Evidence for one item of the feed's report: the switch that turns off
    # personalised recommendation (ARS-2021 Art 17), shown under that item.
    from django.core.files.base import ContentFile

    from filings.attachments import attachment_create

    from .materials import sample_screenshot

    attachment_create(
        slot="screenshot",
        uploaded=ContentFile(sample_screenshot(), name="关闭个性化推荐开关.png"),
        algorithm=feed,
        assessment_item="ARS-17-opt-out",
        description="“我的—设置—个性化推荐”开关",
        by=user,
    )
    # The feed algorithm is filed as it is now: its filing stands for this version
    # (so its PDFs carry no draft mark and a later edit makes a change filing due).
    from filings.versions import Reason, record

    Filing.objects.filter(algorithm=feed, status=FilingStatus.FILED).update(
        filed_version=record(feed, reason=Reason.FILED)
    )
    return ws
