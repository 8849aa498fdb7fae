//! The runtime shared by adapters: token broker, rate budgets and retry.
//!
//! - [`token`]: a [`TokenBroker`] hands out a valid access token per connection and refreshes it
//!   through the adapter's [`TokenRefresher`], at most once per expiry however many tasks (and,
//!   on Redis, processes) ask at once (Q04); a dead grant becomes
//!   [`ErrorKind::ReconsentRequired`](crate::ErrorKind::ReconsentRequired) and is never retried
//!   (T04). [`MemoryTokenBroker`] for one process, `RedisTokenBroker` (feature `redis`) for many.
//! - [`budget`]: a [`Budget`] admits a request only when every [`Charge`] fits: rate buckets
//!   (credits per window: a sliding-window log that no vendor window can see exceeded, and a
//!   pacer) and concurrency caps, all or nothing; a vendor 429 pauses every worker on
//!   a bucket until `Retry-After` (T05). [`MemoryBudget`] in process, `RedisBudget` (feature
//!   `redis`) shared by every process through one Lua script on the Redis server clock. Vendor
//!   layouts: [`TwinfieldBudget`], [`ExactBudget`], [`AfasBudget`].
//! - [`retry`](mod@retry): [`retry()`](fn@retry) with `backon` backoff: temporary failures only, `Retry-After`
//!   honoured, and a write with an uncertain outcome is retried only after the caller's check says
//!   it did not land.
//! - [`http`]: the one [`Transport`](http::Transport) of every adapter (host policy, budget,
//!   classification, pauses, retry, tracing) and [`connection`]: the [`ConnectionRuntime`] every
//!   vendor configuration embeds, with one environment reader.
//! - [`clock`]: the injectable [`Clock`] for token expiry decisions.

pub mod budget;
pub mod clock;
pub mod connection;
pub mod http;
pub mod lock;
#[cfg(feature = "redis")]
mod redis_error;
pub mod retry;
pub mod token;

pub use budget::{
    parse_retry_after, Admission, AfasBudget, Bucket, Budget, Charge, ExactBudget, Limit,
    MemoryBudget, Permit, TwinfieldBudget, TwinfieldOperation,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use connection::{
    seed_refresh_token, BudgetSetting, ConnectionRuntime, EnvReader, LockSetting, RuntimeConfig,
    TokenSetting,
};
pub use lock::{KeyLock, LockGuard, MemoryKeyLock};
pub use retry::{is_retryable, retry, retry_without_check, Landed, RetryPolicy};
pub use token::{
    build_token_broker, classify_refresh_error, is_dead_grant, AccessToken, BrokerConfig,
    ConnectionId, FileTokenStore, MemoryTokenBroker, MemoryTokenStore, RefreshLease, RefreshLock,
    SealedTokenStore, StoreBrokerConfig, StoreTokenBroker, TokenBroker, TokenKey, TokenPair,
    TokenRecord, TokenRefresher, TokenStore, TokenStoreLocation, TokenStoreSpec, TOKEN_KEY_ENV,
    TOKEN_STORE_ENV,
};

#[cfg(feature = "redis")]
pub use budget::redis::{RedisBudget, RedisBudgetConfig};
#[cfg(feature = "redis")]
pub use lock::redis::RedisKeyLock;
#[cfg(feature = "redis")]
pub use token::redis::{RedisBrokerConfig, RedisTokenBroker};
