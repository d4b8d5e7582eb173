import { DataPurposes1764008000000 } from '../../../migrations/1764008000000-DataPurposes';
import { Foundation1764000000000 } from '../../../migrations/1764000000000-Foundation';
import { Delivery1764000300000 } from '../../../migrations/1764000300000-Delivery';
import { Alerts1764000400000 } from '../../../migrations/1764000400000-Alerts';
import { Lifecycle1764000600000 } from '../../../migrations/1764000600000-Lifecycle';
import { TrustMeasures1764000700000 } from '../../../migrations/1764000700000-TrustMeasures';
import { Campaigns1764000800000 } from '../../../migrations/1764000800000-Campaigns';
import { TrustAudit1764000750000 } from '../../../migrations/1764000750000-TrustAudit';
import { CampaignFanoutRecovery1764000920000 } from '../../../migrations/1764000920000-CampaignFanoutRecovery';
import { DeliveryHandOver1764000950000 } from '../../../migrations/1764000950000-DeliveryHandOver';
import { LifecycleNoticeRules1764000970000 } from '../../../migrations/1764000970000-LifecycleNoticeRules';
import { WatchdogSilence1764000980000 } from '../../../migrations/1764000980000-WatchdogSilence';
import { LedgerReadModels1764001000000 } from '../../../migrations/1764001000000-LedgerReadModels';
import { MessageChannels1764001010000 } from '../../../migrations/1764001010000-MessageChannels';
import { SubscribersReadModels1764001020000 } from '../../../migrations/1764001020000-SubscribersReadModels';
import { TopicsReadModels1764001021000 } from '../../../migrations/1764001021000-TopicsReadModels';
import { ConsentReadModels1764001022000 } from '../../../migrations/1764001022000-ConsentReadModels';
import { SuppressionsReadModels1764001023000 } from '../../../migrations/1764001023000-SuppressionsReadModels';
import { LifecycleReadModels1764001024000 } from '../../../migrations/1764001024000-LifecycleReadModels';
import { FeedbackReadModels1764001025000 } from '../../../migrations/1764001025000-FeedbackReadModels';
import { TrustQuestions1764010000000 } from '../../../migrations/1764010000000-TrustQuestions';
import { WebhooksReadModels1764001026000 } from '../../../migrations/1764001026000-WebhooksReadModels';
import { SubscriberWeeklyCap1764001050000 } from '../../../migrations/1764001050000-SubscriberWeeklyCap';
import { ContentReadModels1764001060000 } from '../../../migrations/1764001060000-ContentReadModels';
import { WatchdogSilenceColumns1764001061000 } from '../../../migrations/1764001061000-WatchdogSilenceColumns';
import { WebhooksOut1764003000000 } from '../../../migrations/1764003000000-WebhooksOut';
import { ProviderReportFormats1764004000000 } from '../../../migrations/1764004000000-ProviderReportFormats';
import { InboundMessages1764004100000 } from '../../../migrations/1764004100000-InboundMessages';
import { LedgerLocale1764005000000 } from '../../../migrations/1764005000000-LedgerLocale';
import { TemplateVersions1764006000000 } from '../../../migrations/1764006000000-TemplateVersions';
import { TopicTextsPerLocale1764007000000 } from '../../../migrations/1764007000000-TopicTextsPerLocale';
import { LifecycleLocaleDates1764007001000 } from '../../../migrations/1764007001000-LifecycleLocaleDates';
import { SubscriberLocalesConfigured1764007002000 } from '../../../migrations/1764007002000-SubscriberLocalesConfigured';
import { ConsentPreferenceChanges1764009000000 } from '../../../migrations/1764009000000-ConsentPreferenceChanges';
import { Accounts1764011000000 } from '../../../migrations/1764011000000-Accounts';
import { SignupPurposes1764014000000 } from '../../../migrations/1764014000000-SignupPurposes';
import { TemplatePublishedBy1764018000000 } from '../../../migrations/1764018000000-TemplatePublishedBy';
import { SubscriberSearchAndImports1764019000000 } from '../../../migrations/1764019000000-SubscriberSearchAndImports';
import { SuppressionsByTime1764020000000 } from '../../../migrations/1764020000000-SuppressionsByTime';
import { CampaignStatsIndexes1764021000000 } from '../../../migrations/1764021000000-CampaignStatsIndexes';
import { PromotionalShareIndex1764021100000 } from '../../../migrations/1764021100000-PromotionalShareIndex';
import { InlineTidingsPeriod1764021200000 } from '../../../migrations/1764021200000-InlineTidingsPeriod';
import { SilenceWindowEnd1764022000000 } from '../../../migrations/1764022000000-SilenceWindowEnd';
import { RegularSendsByTopicIndex1764023000000 } from '../../../migrations/1764023000000-RegularSendsByTopicIndex';
import { RegularSendsBySubscriberTimeIndex1764024000000 } from '../../../migrations/1764024000000-RegularSendsBySubscriberTimeIndex';
import { SubscriberMessagedConfirmation1764025000000 } from '../../../migrations/1764025000000-SubscriberMessagedConfirmation';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the server, the CLI and the
 * tests run exactly the same set from source or from dist.
 */
export const MIGRATIONS = [
  Foundation1764000000000,
  Delivery1764000300000,
  Alerts1764000400000,
  Lifecycle1764000600000,
  TrustMeasures1764000700000,
  TrustAudit1764000750000,
  Campaigns1764000800000,
  CampaignFanoutRecovery1764000920000,
  DeliveryHandOver1764000950000,
  LifecycleNoticeRules1764000970000,
  WatchdogSilence1764000980000,
  LedgerReadModels1764001000000,
  MessageChannels1764001010000,
  SubscribersReadModels1764001020000,
  TopicsReadModels1764001021000,
  ConsentReadModels1764001022000,
  SuppressionsReadModels1764001023000,
  LifecycleReadModels1764001024000,
  FeedbackReadModels1764001025000,
  WebhooksReadModels1764001026000,
  SubscriberWeeklyCap1764001050000,
  ContentReadModels1764001060000,
  WatchdogSilenceColumns1764001061000,
  WebhooksOut1764003000000,
  ProviderReportFormats1764004000000,
  InboundMessages1764004100000,
  LedgerLocale1764005000000,
  TemplateVersions1764006000000,
  TopicTextsPerLocale1764007000000,
  LifecycleLocaleDates1764007001000,
  SubscriberLocalesConfigured1764007002000,
  DataPurposes1764008000000,
  ConsentPreferenceChanges1764009000000,
  TrustQuestions1764010000000,
  Accounts1764011000000,
  SignupPurposes1764014000000,
  TemplatePublishedBy1764018000000,
  SubscriberSearchAndImports1764019000000,
  SuppressionsByTime1764020000000,
  CampaignStatsIndexes1764021000000,
  PromotionalShareIndex1764021100000,
  InlineTidingsPeriod1764021200000,
  SilenceWindowEnd1764022000000,
  RegularSendsByTopicIndex1764023000000,
  RegularSendsBySubscriberTimeIndex1764024000000,
  SubscriberMessagedConfirmation1764025000000,
];
