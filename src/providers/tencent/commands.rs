//! Tencent Cloud `vod` and `lke`: its clap subcommands and their help (doc comments are the help text).

use clap::{Args, FromArgMatches, Subcommand};
use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::lke::TokenFilters;
use super::{fetch_lke, fetch_vod, VodQuery};
use crate::args::{RangeOpts, Suggest};
use crate::config::endpoint;
use crate::error::Error;
use crate::providers::{
    ActionCommand, ActionEnv, Commands, FetchInput, Fetched, Invocation, SourceOption, UsageCommand,
};

/// Tencent Cloud's subcommands in the registry.
pub const COMMANDS: Commands = Commands {
    summary: "Tencent Cloud VOD and LKE",
    augment: TopCommand::augment_subcommands,
    has_subcommand: TopCommand::has_subcommand,
    from_matches,
};

/// The top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum TopCommand {
    /// Tencent Cloud VOD: AIGC usage and quotas
    #[command(subcommand)]
    Vod(VodCommand),

    /// Tencent Cloud LKE / ADP: token usage
    #[command(subcommand)]
    Lke(LkeCommand),
}

fn from_matches(matches: &clap::ArgMatches) -> Result<Invocation, clap::Error> {
    Ok(match TopCommand::from_arg_matches(matches)? {
        TopCommand::Vod(VodCommand::Usage(args)) => Invocation::Usage(Box::new(args)),
        TopCommand::Vod(VodCommand::Quota(command)) => Invocation::Action(Box::new(command)),
        TopCommand::Lke(LkeCommand::Tokens(args)) => Invocation::Usage(Box::new(args)),
    })
}

/// `report`'s `--vod-type` (also `forecast`'s and `prices check`'s); `sync` asks for all.
pub const VOD_TYPE_OPTION: SourceOption = SourceOption {
    name: "vod-type",
    arg: vod_type_arg,
    sync_values: &["all"],
};

fn vod_type_arg() -> clap::Arg {
    clap::Arg::new("vod-type")
        .long("vod-type")
        .help("VOD AIGC types, as `vod usage --type`")
        .value_name("TYPE")
        .value_delimiter(',')
        .default_value("all")
        .action(clap::ArgAction::Append)
        .value_parser(Suggest(vod_type_values))
        .hide_possible_values(true)
}

/// `--type`'s values for completion: every VOD AIGC type and `all`.
pub fn vod_type_values() -> Vec<&'static str> {
    let mut values = super::vod::AIGC_TYPES.to_vec();
    values.push("all");
    values
}

#[derive(Debug, Subcommand)]
pub enum VodCommand {
    /// AIGC usage per specification (DescribeAigcUsageData): seconds of video, images,
    /// tokens, and task counts
    #[command(after_help = "\
Examples:
  aigcusage vod usage --type Video
  aigcusage vod usage --type all --last 30d -o csv
  aigcusage vod usage --type Video,Image --start 2025-11-18 --end 2025-11-19 -o json

Ranges over 90 days are split into several calls and merged; VOD keeps 365 days.
A range of more than one day gives daily points, otherwise 5-minute points.")]
    Usage(VodUsageArgs),

    /// AIGC quotas: set, create, delete, list (with --warn-at/--fail-at for cron and CI)
    #[command(subcommand)]
    Quota(QuotaCommand),
}

impl ActionCommand for QuotaCommand {
    fn name(&self) -> &'static str {
        match self {
            QuotaCommand::Set(_) => "vod quota set",
            QuotaCommand::Create(_) => "vod quota create",
            QuotaCommand::Delete(_) => "vod quota delete",
            QuotaCommand::List(_) => "vod quota list",
            QuotaCommand::Apply(_) => "vod quota apply",
        }
    }

    fn demo_refusal(&self) -> Option<&'static str> {
        Some("--demo answers the usage commands and report; vod quota manages real quotas and has no demo")
    }

    /// `apply`: SIGINT/SIGTERM lets the request in flight finish and lists what was
    /// applied. `delete`: a signal at its question ends it at once (nothing sent); one
    /// during its request drops it, as spec §7 says for every command but `apply`.
    fn handles_interrupts(&self) -> bool {
        matches!(self, QuotaCommand::Apply(_) | QuotaCommand::Delete(_))
    }

    /// `apply --dry-run` sends its reads and stops after the plan (spec §4).
    fn sends_reads_on_dry_run(&self) -> bool {
        matches!(self, QuotaCommand::Apply(_))
    }

    fn run<'a>(&'a self, env: &'a dyn ActionEnv) -> LocalBoxFuture<'a, Result<(), Error>> {
        super::quota::actions::run(env, self).boxed_local()
    }
}

#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Set a quota's limit (ModifyAigcQuota); safe to retry
    #[command(after_help = "\
Examples:
  aigcusage vod quota set --type Image --limit 2000 --sub-app-id 200000004
  aigcusage vod quota set --type Text --limit 5000000 --api-token \"$AIGC_TOKEN\" --dry-run

Units: Image in images, Video in seconds, Text in tokens.")]
    Set(QuotaSetArgs),

    /// Create a quota (CreateAigcQuota); not retried once it may have reached the server
    #[command(after_help = "\
Example:
  aigcusage vod quota create --type Video --limit 3600 --sub-app-id 200000004")]
    Create(QuotaSetArgs),

    /// Delete a quota (DeleteAigcQuota); asks on a terminal, needs --yes otherwise
    #[command(after_help = "\
Example:
  aigcusage vod quota delete --type Image --sub-app-id 200000004 --yes")]
    Delete(QuotaDeleteArgs),

    /// List quotas with their usage (DescribeAigcQuotas, every page)
    #[command(after_help = "\
Examples:
  aigcusage vod quota list --sub-app-id 200000004
  aigcusage vod quota list --warn-at 80 --fail-at 95   # exit 7 at or above 95 % used")]
    List(QuotaListArgs),

    /// Make the quotas those of a file (TOML): plan, then delete, modify, create
    #[command(after_help = "\
Examples:
  aigcusage vod quota apply -f quotas.toml --dry-run     # the plan only (reads are sent)
  aigcusage vod quota apply -f quotas.toml
  aigcusage vod quota apply -f quotas.toml --prune --yes # also delete quotas not in the file

The file:
  sub_app_id = 200000004          # optional; else --sub-app-id or the profile's sub_app_id
  [[quota]]
  type = \"Image\"                  # Image | Video | Text
  limit = 2000
  [[quota]]
  type = \"Text\"
  limit = 5000000
  api_token_env = \"AIGC_TOKEN_A\"  # Text only: the variable holding the api token

Here --dry-run (before or after `apply`) sends the reads (DescribeAigcQuotas) and stops after
the plan; no change is sent. Deletes need --yes, or a y answer on a terminal.")]
    Apply(QuotaApplyArgs),
}

#[derive(Debug, Args)]
pub struct QuotaApplyArgs {
    /// The desired quotas (TOML)
    #[arg(short, long, value_name = "FILE")]
    pub file: std::path::PathBuf,

    /// VOD application id (beats the file's sub_app_id, which beats the profile's)
    #[arg(long, value_name = "N")]
    pub sub_app_id: Option<u64>,

    /// Also delete the quotas that are not in the file
    #[arg(long)]
    pub prune: bool,

    /// Do not ask before deleting (required for deletes when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,

    /// VOD endpoint base URL [env: AIGCUSAGE_VOD_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

#[derive(Debug, Args)]
pub struct QuotaSetArgs {
    /// Quota type: Image, Video or Text (case-insensitive)
    #[arg(long = "type", value_name = "TYPE")]
    pub quota_type: String,

    /// The limit: a whole number >= 0 (images, seconds or tokens)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub limit: String,

    #[command(flatten)]
    pub target: QuotaTargetArgs,
}

#[derive(Debug, Args)]
pub struct QuotaDeleteArgs {
    /// Quota type: Image, Video or Text (case-insensitive)
    #[arg(long = "type", value_name = "TYPE")]
    pub quota_type: String,

    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub target: QuotaTargetArgs,
}

#[derive(Debug, Args)]
pub struct QuotaListArgs {
    /// Only quotas of this type: Image, Video or Text
    #[arg(long = "type", value_name = "TYPE")]
    pub quota_type: Option<String>,

    /// Print a warning on stderr for each quota at or above PCT % used
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub warn_at: Option<String>,

    /// Like --warn-at, then exit 7 after printing the list
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub fail_at: Option<String>,

    #[command(flatten)]
    pub target: QuotaTargetArgs,
}

/// Options shared by every quota action.
#[derive(Debug, Args)]
pub struct QuotaTargetArgs {
    /// VOD application id (default: the profile's tencent.sub_app_id)
    #[arg(long, value_name = "N")]
    pub sub_app_id: Option<u64>,

    /// The AIGC api token of a Text quota (shown redacted in every output)
    #[arg(long, value_name = "TOKEN", allow_hyphen_values = true)]
    pub api_token: Option<String>,

    /// VOD endpoint base URL [env: AIGCUSAGE_VOD_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LkeCommand {
    /// Token usage over time (DescribeTokenUsageGraph): total, input and output tokens
    #[command(after_help = "\
Examples:
  aigcusage lke tokens --last 1d
  aigcusage lke tokens --model cs-normal --start 2025-11-01 --end 2025-11-30 -o csv
  aigcusage lke tokens --app-biz-id 1730000000000000000 --region ap-jakarta -o json")]
    Tokens(LkeTokensArgs),
}

#[derive(Debug, Args)]
pub struct LkeTokensArgs {
    /// Only this model (ModelName)
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,

    /// Sub-business type (SubBizType), e.g. KnowledgeQA, Embedding, fileparse
    #[arg(long, value_name = "T")]
    pub sub_biz_type: Option<String>,

    /// Only this application (AppBizIds; repeatable)
    #[arg(long = "app-biz-id", value_name = "ID")]
    pub app_biz_ids: Vec<String>,

    /// Only this root account (UinAccount; repeatable)
    #[arg(long = "uin-account", value_name = "UIN")]
    pub uin_accounts: Vec<String>,

    /// Application type (AppType)
    #[arg(long, value_name = "T")]
    pub app_type: Option<String>,

    /// Only this sub-scene (SubScenes; repeatable)
    #[arg(long = "sub-scene", value_name = "S")]
    pub sub_scenes: Vec<String>,

    /// Region sent as X-TC-Region [env: TENCENTCLOUD_REGION] [default: ap-jakarta]
    #[arg(long, value_name = "R")]
    pub region: Option<String>,

    /// LKE endpoint base URL [env: AIGCUSAGE_LKE_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

#[derive(Debug, Args)]
pub struct VodUsageArgs {
    /// AIGC types: Video, Image, Text, Audio, SceneAigcVideo, SceneAigcImage,
    /// SceneAigcTime, or all (comma-separated or repeated, case-insensitive)
    #[arg(
        long = "type",
        value_name = "TYPE",
        required = true,
        value_delimiter = ',',
        value_parser = Suggest(vod_type_values),
        hide_possible_values = true
    )]
    pub types: Vec<String>,

    /// VOD application id (default: the profile's tencent.sub_app_id)
    #[arg(long, value_name = "N")]
    pub sub_app_id: Option<u64>,

    /// Only usage made with this AIGC API key (repeatable)
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,

    /// VOD endpoint base URL [env: AIGCUSAGE_VOD_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

impl UsageCommand for VodUsageArgs {
    fn name(&self) -> &'static str {
        "vod usage"
    }

    fn range(&self) -> &RangeOpts {
        &self.range
    }

    fn fetch<'a>(
        &'a self,
        input: &'a FetchInput<'a>,
    ) -> LocalBoxFuture<'a, Result<Fetched, Error>> {
        async move {
            let endpoint = endpoint::flag_or_setting(
                self.endpoint.as_deref(),
                &super::credentials::settings(input.settings)
                    .vod_endpoint
                    .value,
            )?;
            let query = VodQuery::new(
                input,
                &self.types,
                self.sub_app_id,
                self.api_keys.clone(),
                endpoint,
            )?;
            fetch_vod(input, query).await
        }
        .boxed_local()
    }
    fn stored_selection(&self) -> Result<crate::providers::StoredSelection, Error> {
        if !self.api_keys.is_empty() {
            return Err(crate::providers::not_in_store("--api-key"));
        }
        let types = super::vod::parse_types(&self.types)?;
        let sub_app_id = self.sub_app_id.map(|id| id.to_string());
        Ok(Box::new(move |s| {
            let label = |key: &str| s.labels.get(key).map(String::as_str);
            label("aigc_type").is_some_and(|t| types.contains(&t))
                && sub_app_id
                    .as_deref()
                    .is_none_or(|id| label("sub_app_id") == Some(id))
        }))
    }
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl UsageCommand for LkeTokensArgs {
    fn name(&self) -> &'static str {
        "lke tokens"
    }

    fn range(&self) -> &RangeOpts {
        &self.range
    }

    fn fetch<'a>(
        &'a self,
        input: &'a FetchInput<'a>,
    ) -> LocalBoxFuture<'a, Result<Fetched, Error>> {
        async move {
            let tencent = super::credentials::settings(input.settings);
            let region = match &self.region {
                Some(flag) => endpoint::parse_region(flag, endpoint::From::Flag("--region"))?,
                None => tencent.region.value.clone(),
            };
            let endpoint =
                endpoint::flag_or_setting(self.endpoint.as_deref(), &tencent.lke_endpoint.value)?;
            let filters = TokenFilters {
                model: given(&self.model),
                sub_biz_type: given(&self.sub_biz_type),
                app_biz_ids: self.app_biz_ids.clone(),
                uin_accounts: self.uin_accounts.clone(),
                app_type: given(&self.app_type),
                sub_scenes: self.sub_scenes.clone(),
            };
            fetch_lke(input, &filters, region, endpoint).await
        }
        .boxed_local()
    }

    fn stored_selection(&self) -> Result<crate::providers::StoredSelection, Error> {
        let filters = [
            ("--model", given(&self.model).is_some()),
            ("--sub-biz-type", given(&self.sub_biz_type).is_some()),
            ("--app-biz-id", !self.app_biz_ids.is_empty()),
            ("--uin-account", !self.uin_accounts.is_empty()),
            ("--app-type", given(&self.app_type).is_some()),
            ("--sub-scene", !self.sub_scenes.is_empty()),
        ];
        match filters.iter().find(|(_, set)| *set) {
            Some((option, _)) => Err(crate::providers::not_in_store(option)),
            None => Ok(Box::new(|_| true)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<TopCommand, clap::Error> {
        let command = TopCommand::augment_subcommands(clap::Command::new("aigcusage"));
        let matches = command
            .try_get_matches_from(std::iter::once("aigcusage").chain(words.iter().copied()))?;
        TopCommand::from_arg_matches(&matches)
    }

    #[test]
    fn vod_usage_types_are_comma_separated_and_kept_as_given() {
        let parsed = parse(&["vod", "usage", "--type", "Video,image"]).unwrap();
        let TopCommand::Vod(VodCommand::Usage(args)) = parsed else {
            panic!("wrong command: {parsed:?}")
        };
        assert_eq!(args.types, ["Video", "image"]);
    }

    #[test]
    fn quota_apply_and_delete_handle_interrupts_only_apply_sends_reads_on_dry_run() {
        let apply = parse(&["vod", "quota", "apply", "-f", "q.toml"]).unwrap();
        let list = parse(&["vod", "quota", "list"]).unwrap();
        let delete = parse(&["vod", "quota", "delete", "--type", "Image"]).unwrap();
        let TopCommand::Vod(VodCommand::Quota(quota)) = delete else {
            panic!("wrong command")
        };
        assert!(quota.handles_interrupts() && !quota.sends_reads_on_dry_run());
        for (parsed, special) in [(apply, true), (list, false)] {
            let TopCommand::Vod(VodCommand::Quota(quota)) = parsed else {
                panic!("wrong command")
            };
            assert_eq!(quota.handles_interrupts(), special, "{}", quota.name());
            assert_eq!(quota.sends_reads_on_dry_run(), special, "{}", quota.name());
            assert!(quota.demo_refusal().is_some());
        }
    }

    #[test]
    fn vod_type_offers_every_type_and_all_and_defaults_to_all() {
        let arg = vod_type_arg();
        assert_eq!(arg.get_id(), VOD_TYPE_OPTION.name);
        assert_eq!(arg.get_default_values(), ["all"]);
        let offered: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        assert!(offered.iter().any(|v| v == "SceneAigcImage"), "{offered:?}");
        assert_eq!(offered.last().map(String::as_str), Some("all"));
    }
}
