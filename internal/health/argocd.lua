-- Argo CD health check for every kind of wechat.wxlink.dev (docs/gitops.md).
-- wxlink sets Ready, and the kstatus conditions Reconciling (wxlink or the platform is working) and Stalled
-- (nothing changes until a person acts); the reason says why. Stalled is Suspended when it waits for a
-- person or a slot, Degraded for a refusal or a rule violation.
local waiting = {
  QuotaExceeded = true, MonthlyLimitReached = true,
  AwaitingOfficialAccountAdmin = true, AwaitingMiniProgramAdmin = true,
  ActionRequired = true, ObserveOnly = true, VerificationRequired = true, DeletionBlocked = true,
  AccountNotVerified = true, OpenPlatformNotVerified = true,
  NotVerified = true, NotAuthorized = true, PlatformMonthlyLimitReached = true,
  ConsoleOnly = true, InvitationPending = true, UnlinkPending = true,
  AwaitingStoreAdmin = true, InvitationTimedOut = true,
  MiniProgramNotReleased = true, WebViewDomainUnconfirmed = true, ShowcaseUnconfirmed = true, ShowcaseNotEnabled = true,
  AccountTypeUnknown = true,
}

local hs = { status = "Progressing", message = "waiting for wxlink to report the object's status" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.message = "waiting for wxlink to reconcile generation " .. obj.metadata.generation
  return hs
end

local ready, reconciling, stalled
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then ready = c end
  if c.type == "Reconciling" and c.status == "True" then reconciling = c end
  if c.type == "Stalled" and c.status == "True" then stalled = c end
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
elseif ready ~= nil and ready.reason == "Paused" then
  hs.status = "Suspended"
  hs.message = ready.message
elseif stalled ~= nil then
  if waiting[stalled.reason] then
    hs.status = "Suspended"
  else
    hs.status = "Degraded"
  end
  hs.message = stalled.reason .. ": " .. stalled.message
elseif reconciling ~= nil then
  hs.message = reconciling.reason .. ": " .. reconciling.message
elseif ready ~= nil then
  hs.message = ready.reason .. ": " .. ready.message
end
return hs
