/**
 * How interesting a bet is, and whether it is a jackpot. Pure functions of the bet.
 *
 * score = profitWeight     * log10(1 + |profit|)            size of the win or loss
 *       + multiplierWeight * log2(max(1, payout multiplier)) rare multipliers (2x -> 1, 1024x -> 10)
 *       + wagerWeight      * log10(1 + wager)               high rollers
 *
 * where payout multiplier = (wager + profit) / wager (0 for a lost bet; 0 when wager is 0).
 * Logarithms keep one term from swamping the others: a 1,000 sat bet won at 100x scores
 * about like a 1,000,000 sat bet won at 2x.
 *
 * A jackpot is a bet whose profit reaches `jackpotProfit` satoshis, or whose payout
 * multiplier reaches `jackpotMultiplier`. Jackpots are never dropped by the sampler.
 */

export interface ScoredFields {
  wager: number;
  profit: number;
}

export interface ScoreConfig {
  profitWeight: number;
  multiplierWeight: number;
  wagerWeight: number;
  /** A bet winning at least this many satoshis is a jackpot. */
  jackpotProfit: number;
  /** A bet paying at least this multiple of its wager is a jackpot (0 disables). */
  jackpotMultiplier: number;
}

export const DEFAULT_SCORE_CONFIG: Readonly<ScoreConfig> = Object.freeze({
  profitWeight: 1,
  multiplierWeight: 0.5,
  wagerWeight: 0.25,
  jackpotProfit: 10_000_000, // 0.1 BTC
  jackpotMultiplier: 1000,
});

export function payoutMultiplier(bet: ScoredFields): number {
  if (bet.wager <= 0) return 0;
  const m = (bet.wager + bet.profit) / bet.wager;
  return m > 0 ? m : 0;
}

export function scoreBet(bet: ScoredFields, config: ScoreConfig = DEFAULT_SCORE_CONFIG): number {
  const m = payoutMultiplier(bet);
  return (
    config.profitWeight * Math.log10(1 + Math.abs(bet.profit)) +
    config.multiplierWeight * Math.log2(m > 1 ? m : 1) +
    config.wagerWeight * Math.log10(1 + (bet.wager > 0 ? bet.wager : 0))
  );
}

export function isJackpot(bet: ScoredFields, config: ScoreConfig = DEFAULT_SCORE_CONFIG): boolean {
  if (bet.profit > 0 && bet.profit >= config.jackpotProfit) return true;
  if (config.jackpotMultiplier > 0 && bet.profit > 0 && payoutMultiplier(bet) >= config.jackpotMultiplier) return true;
  return false;
}
