import { findSetupCandidates } from '../../publisher/setup.js';
import { need, type DoctorContext } from '../types.js';

/** The publisher's own solution/type look-up, made once for the two checks that read it. */
export function setupCandidates(ctx: DoctorContext): ReturnType<typeof findSetupCandidates> {
  ctx.facts.setupCandidates ??= findSetupCandidates(
    need(ctx.facts.connectWise, 'the ConnectWise connection'),
    need(ctx.facts.account, 'the account'),
  );
  return ctx.facts.setupCandidates;
}
