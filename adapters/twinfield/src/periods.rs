//! Period windows for browses (T12): a listing too large for one answer is read one book year at
//! a time, newest first, and a year too large for one answer in halves of its periods. Twinfield
//! periods are `YYYY/PP` with `PP` from `00` (opening balance) to `55` (year end); windows are
//! inclusive `between` filters on `fin.trs.head.yearperiod`, so consecutive windows leave no gap.
//!
//! Where the listing stands between pages is an opaque [`Cursor`]: the last period not yet
//! read, and when to try the whole remaining history again in one answer. That try happens after
//! 1, 2, 4, 8… year windows, so a listing goes at most twice as many years back as the books
//! hold and spends at most one refused try per doubling.

use grootboek_core::Cursor;

/// The first and last period numbers of a book year.
const FIRST: u8 = 0;
const LAST: u8 = 55;

/// One period, `YYYY/PP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    /// The book year.
    pub year: i32,
    /// The period within it, `00..=55`.
    pub number: u8,
}

impl Period {
    /// `YYYY/PP`.
    pub fn text(self) -> String {
        format!("{:04}/{:02}", self.year, self.number)
    }

    /// The period before this one (the last of the previous year before `00`).
    pub fn previous(self) -> Period {
        if self.number == FIRST {
            Period {
                year: self.year - 1,
                number: LAST,
            }
        } else {
            Period {
                year: self.year,
                number: self.number - 1,
            }
        }
    }

    fn parse(s: &str) -> Option<Period> {
        let (y, p) = s.split_once('/')?;
        let number: u8 = p.parse().ok()?;
        (number <= LAST).then_some(Period {
            year: y.parse().ok()?,
            number,
        })
    }
}

/// An inclusive range of periods; `None` bounds are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first period, or from the start of the books.
    pub from: Option<Period>,
    /// The last period, or to the end of the books.
    pub to: Option<Period>,
}

impl Window {
    /// Everything.
    pub const ALL: Window = Window {
        from: None,
        to: None,
    };

    /// The `between` filter values (`""` for an open bound), or `None` for everything.
    pub fn filter(&self) -> Option<(String, String)> {
        if self.from.is_none() && self.to.is_none() {
            return None;
        }
        let text = |p: Option<Period>| p.map(Period::text).unwrap_or_default();
        Some((text(self.from), text(self.to)))
    }

    /// The two halves of a window (newest half first): of one year, its periods in two; of the
    /// years from `from` on (no end), the years after `from`'s and `from`'s own year. `None` for
    /// a single period, a window without a start, or years past 9999.
    pub fn halves(&self) -> Option<(Window, Window)> {
        let from = self.from?;
        let Some(to) = self.to else {
            let year_end = Period {
                year: from.year,
                number: LAST,
            };
            return (from.year < 9999).then_some((
                Window {
                    from: Some(Period {
                        year: from.year + 1,
                        number: FIRST,
                    }),
                    to: None,
                },
                Window {
                    from: Some(from),
                    to: Some(year_end),
                },
            ));
        };
        if from.year != to.year || from.number >= to.number {
            return None;
        }
        let mid = from.number + (to.number - from.number) / 2;
        Some((
            Window {
                from: Some(Period {
                    year: to.year,
                    number: mid + 1,
                }),
                to: Some(to),
            },
            Window {
                from: Some(from),
                to: Some(Period {
                    year: to.year,
                    number: mid,
                }),
            },
        ))
    }
}

/// Where a windowed listing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Nothing read yet: try everything in one answer.
    Start,
    /// Everything up to `to` (inclusive; `None`: also every year after `now_year`) remains.
    /// `probe_in` year windows are read before everything remaining is tried in one answer
    /// again; `gap` is how many the next wait will be.
    Years {
        /// The last period not yet read.
        to: Option<Period>,
        /// Year windows until the next try of everything remaining.
        probe_in: u32,
        /// The wait after the next refused try.
        gap: u32,
    },
}

impl Progress {
    /// The progress a cursor encodes (`None`: the start). A cursor this module did not write is
    /// refused.
    pub fn from_cursor(cursor: Option<&Cursor>) -> Option<Progress> {
        let Some(c) = cursor else {
            return Some(Progress::Start);
        };
        let mut parts = c.0.strip_prefix("twf-periods:")?.split(':');
        let to = match parts.next()? {
            "" => None,
            p => Some(Period::parse(p)?),
        };
        let probe_in = parts.next()?.parse().ok()?;
        let gap = parts.next()?.parse().ok()?;
        parts
            .next()
            .is_none()
            .then_some(Progress::Years { to, probe_in, gap })
    }

    /// The cursor of this progress.
    pub fn cursor(&self) -> Option<Cursor> {
        match self {
            Progress::Start => None,
            Progress::Years { to, probe_in, gap } => Some(Cursor(format!(
                "twf-periods:{}:{probe_in}:{gap}",
                to.map(Period::text).unwrap_or_default()
            ))),
        }
    }
}

/// The year window to read next when everything up to `to` remains: the years after `now_year`
/// together while `to` is open, else the book year of `to` up to `to`.
pub fn year_window(to: Option<Period>, now_year: i32) -> Window {
    match to {
        None => Window {
            from: Some(Period {
                year: now_year + 1,
                number: FIRST,
            }),
            to: None,
        },
        Some(to) => Window {
            from: Some(Period {
                year: to.year,
                number: FIRST,
            }),
            to: Some(to),
        },
    }
}

/// What remains after reading `window` (everything before its first period).
pub fn before(window: &Window) -> Option<Period> {
    window.from.map(Period::previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(year: i32, number: u8) -> Period {
        Period { year, number }
    }

    #[test]
    fn windows_are_contiguous_and_halves_cover_their_year() {
        let w = year_window(Some(p(2024, 55)), 2026);
        assert_eq!(w.filter(), Some(("2024/00".into(), "2024/55".into())));
        assert_eq!(before(&w), Some(p(2023, 55)));
        let (newer, older) = w.halves().unwrap();
        assert_eq!(newer.filter(), Some(("2024/28".into(), "2024/55".into())));
        assert_eq!(older.filter(), Some(("2024/00".into(), "2024/27".into())));
        let single = Window {
            from: Some(p(2024, 3)),
            to: Some(p(2024, 3)),
        };
        assert_eq!(single.halves(), None);
        let future = year_window(None, 2026);
        assert_eq!(future.filter(), Some(("2027/00".into(), String::new())));
        assert_eq!(before(&future), Some(p(2026, 55)));
        let (later, first) = future.halves().unwrap();
        assert_eq!(later.filter(), Some(("2028/00".into(), String::new())));
        assert_eq!(first.filter(), Some(("2027/00".into(), "2027/55".into())));
        assert_eq!(Window::ALL.filter(), None);
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        for progress in [
            Progress::Years {
                to: Some(p(2019, 55)),
                probe_in: 2,
                gap: 4,
            },
            Progress::Years {
                to: None,
                probe_in: 0,
                gap: 1,
            },
        ] {
            assert_eq!(
                Progress::from_cursor(progress.cursor().as_ref()),
                Some(progress)
            );
        }
        assert_eq!(Progress::from_cursor(None), Some(Progress::Start));
        for foreign in [
            "",
            "twf-periods:2019/77:1:1",
            "other:1",
            "twf-periods:2019/01:1",
        ] {
            assert_eq!(
                Progress::from_cursor(Some(&Cursor(foreign.into()))),
                None,
                "{foreign}"
            );
        }
    }
}
