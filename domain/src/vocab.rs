//! The programme's vocabulary: the closed sets of kinds the seeds name.
//! Serialized in SCREAMING_SNAKE_CASE, the same spelling as the GraphQL enums.

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }
    };
}

vocabulary! {
    /// 入党申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员.
    Stage { NonParty, Applicant, Activist, DevelopmentTarget, Probationary, Full }
}

impl Stage {
    /// The stage that follows this one on the road to full membership.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::NonParty => Some(Stage::Applicant),
            Stage::Applicant => Some(Stage::Activist),
            Stage::Activist => Some(Stage::DevelopmentTarget),
            Stage::DevelopmentTarget => Some(Stage::Probationary),
            Stage::Probationary => Some(Stage::Full),
            Stage::Full => None,
        }
    }

    /// 预备党员 and 正式党员: the people who can mentor.
    pub fn is_member(self) -> bool {
        matches!(self, Stage::Probationary | Stage::Full)
    }
}

vocabulary! {
    /// 学校 / 学院 / 党支部 / 党小组 / 班级 / 团支部.
    OrgUnitKind { School, College, Branch, PartyGroup, Class, LeagueBranch }
}

vocabulary! {
    /// 一对一, 多对一, 老党员带新党员, 培养联系人, 党员带团支部, 支部对支部.
    PairingKind { OneToOne, ManyToOne, OldToNew, CultivationContact, MemberToLeagueBranch, BranchToBranch }
}

vocabulary! {
    /// 面对面, 走访宿舍, 下课堂听课, 社会实践, 线上, 电话.
    ContactForm { FaceToFace, DormVisit, ClassVisit, SocialPractice, Online, Phone }
}

vocabulary! { CalendarUnit { Week, Month } }

vocabulary! {
    /// 国家级 / 省级 / 市级 / 区级 / 校级 / 院级.
    AwardLevel { National, Provincial, Municipal, District, School, College }
}

vocabulary! {
    /// Individual prizes, collective honours, certificates (英语 A/B 级, 计算机一级/二级)
    /// and commendations (表彰, seed 003).
    AwardCategory { Individual, Collective, EnglishAb, ComputerLevel1, ComputerLevel2, Commendation }
}

vocabulary! {
    /// 旷课 / 迟到 / 早退 / 内务不合格 / 班集体活动缺席 / 支部学习缺席 / 纪律处分.
    ConductKind { Absence, Late, EarlyLeave, DormInspectionFailed, ClassActivityMissed, StudySessionMissed, Sanction }
}

vocabulary! {
    /// 自评 / 组织部考评 / 支部考评 / 群众评议. `Masses` is seed 002's 「群衆評議」: the
    /// appraisal of the people around a probationary member who are not Party members
    /// (classmates, roommates: the seed names 群衆 beside 黨員 when it gathers opinions,
    /// 「聽取黨小組、培養聯系人、黨員和群衆意見」), tallied and entered by the branch.
    EvaluatorRole { SelfAssessment, Organization, Branch, Masses }
}

vocabulary! { RankingKind { PartyStar, MostImproved } }

vocabulary! {
    /// The branch's periodic reviews of a person (seed 002): 考察鉴定 of an activist each
    /// quarter (「每季度对入党积极分子进行考察鉴定」), 综合鉴定 of a probationary member each
    /// half year (「支部每半年进行一次综合鉴定」).
    ReviewKind {
        /// 入党积极分子考察鉴定 (quarterly).
        ActivistReview,
        /// 预备党员综合鉴定 (each half year: each term).
        ProbationReview,
    }
}

impl ReviewKind {
    /// The stage whose review this is.
    pub fn stage(self) -> Stage {
        match self {
            ReviewKind::ActivistReview => Stage::Activist,
            ReviewKind::ProbationReview => Stage::Probationary,
        }
    }
}

vocabulary! {
    /// What an attached file is (扫描件: a signed form photographed or scanned), judged by
    /// its bytes at the edge, never by the name it came with.
    FileKind { Jpeg, Png, Pdf }
}

impl FileKind {
    /// The media type it is served as.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Pdf => "application/pdf",
        }
    }

    /// The file name extension a download falls back to.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Pdf => "pdf",
        }
    }
}

vocabulary! {
    /// What a file is attached to: a person's record, or a pairing.
    AttachedTo { Person, Pairing }
}

/// Whom a thought report was handed to (seed 002: 「预备党员每月向党小组，每季度向党支部书面汇报」).
/// A report recorded before the field existed reads as handed to the branch: that is what
/// the quarterly report counted it as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportRecipient {
    /// 党小组 (the party group's leader).
    PartyGroup,
    /// 党支部.
    #[default]
    Branch,
}

impl ReportRecipient {
    pub const ALL: &'static [ReportRecipient] = &[ReportRecipient::PartyGroup, ReportRecipient::Branch];
}

vocabulary! {
    Role { Admin, CollegeCommittee, BranchSecretary, BranchCommittee, GroupLeader, Counsellor }
}

vocabulary! {
    /// 排查摸底 categories (seed 001).
    ScreeningCategory {
        AcademicDifficulty, ExtremeViews, FragilePsychology, EconomicHardship, StatusProcessing,
        InternetAddiction, EmploymentDifficulty, SeriousIllness, CannotLiveIndependently, DisciplinarySanction,
    }
}

vocabulary! {
    /// 民主评议 results.
    DemocraticGrade { Excellent, Qualified, BasicallyQualified, Unqualified }
}

vocabulary! {
    /// Facts of a member's year that seed 003's 百分制量化考核 counts and the contract does
    /// not otherwise name. Each is recorded with a quantity (sessions, hours, words, articles...).
    MemberActivityKind {
        /// 少参加一次支部学习 (quantity: sessions).
        StudySessionMissed,
        /// 少一个学时 (quantity: hours).
        StudyHoursMissed,
        /// 每月党课缺一次 (leader, quantity: lectures).
        PartyLectureMissed,
        /// 学习笔记 (quantity: words written).
        StudyNotes,
        /// 理论文章 / 书面学习心得 (quantity: articles).
        TheoryArticle,
        /// 培训并有心得体会 (quantity: trainings).
        TrainingWithReflection,
        /// 参加培训但未撰写心得 (quantity: trainings).
        TrainingWithoutReflection,
        /// 组织参观学习 (leader, quantity: visits).
        StudyVisitOrganized,
        /// 组织生活会请假缺席 (quantity: meetings).
        OrgLifeMissedWithLeave,
        /// 组织生活会无故缺席 (quantity: meetings).
        OrgLifeMissedWithoutLeave,
        /// 完不成组织交办的工作任务.
        TaskNotCompleted,
        /// 为单位办实事.
        DeedForUnit,
        /// 为群众办实事.
        DeedForMasses,
        /// 工作成绩突出, 模范作用发挥好.
        ExemplaryWork,
        /// 模范作用发挥不好.
        PoorExample,
        /// 工作中失职.
        DutyFailure,
        /// 提出合理化建议.
        SuggestionMade,
        /// 建议被采纳实施.
        SuggestionAdopted,
        /// 征求意见不广泛.
        OpinionsNotSought,
        /// 没有思想自查总结或不深刻.
        NoSelfReview,
        /// 没有个人整改计划.
        NoRectificationPlan,
        /// 消极执行上级决定 (leader).
        DecisionObstructed,
        /// 无故不参加干部学习 (leader, quantity: times).
        CadreStudyMissed,
        /// 未建立教育管理长效机制 (leader).
        NoLongTermMechanism,
        /// 思想政治工作无措施无成效 (leader).
        NoPoliticalWorkMeasures,
        /// 工作无创新, 群众不满意 (leader).
        NoInnovation,
        /// 不交党费.
        DuesUnpaid,
        /// 少参加党员大会 (leader, quantity: meetings).
        GeneralMeetingMissed,
        /// 少上一次党课 (leader, as a participant; quantity: lectures).
        PartyLectureAbsent,
        /// 党小组会议少一次 (leader, quantity: meetings).
        GroupMeetingMissed,
        /// 未参加学习: the whole 组织生活 item scores 0 (leader).
        BranchStudyNotAttended,
        /// 支部未培养和发展新党员 (leader).
        NoMemberDeveloped,
        /// 超过党员转正期限三个月 (leader, quantity: cases).
        ConfirmationOverdue,
        /// 年终考核名列前三名 (leader).
        YearEndTopThree,
        /// 年终考核名列后三名 (leader).
        YearEndBottomThree,
    }
}
