//! The state registers the desk reads: institutions, services, life situations,
//! resources and customer service locations. Imported from JSON (upsert by
//! code, all-or-nothing), read by anyone.

use crate::db::Store;
use crate::error::{Result, StoreError};
use atbalsts_domain::validate::Errors;
use atbalsts_domain::{Channel, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Institution {
    /// Short code, e.g. `PMLP`.
    #[serde(alias = "id")]
    pub code: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    /// `state` or `municipality`.
    pub kind: String,
    /// The supervising institution.
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LifeSituation {
    /// e.g. `LS-BIRTH`.
    pub id: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    /// Codes of the services that help in this situation.
    #[serde(default)]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Resource {
    /// e.g. `RES-EDS`.
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    /// `portal`, `e_service`, `information_system`, `mobile_app`, `shared_component` or `software`.
    pub kind: String,
    /// Code of the owning institution.
    pub owner: String,
    /// Resource manager (e-mail or name), when known.
    #[serde(default)]
    pub manager: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Service {
    /// `<institution>-NNN`, e.g. `PMLP-003`.
    pub code: String,
    pub institution: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    #[serde(default)]
    pub description_lv: Option<String>,
    #[serde(default)]
    pub description_en: Option<String>,
    /// Channels through which the service is requested and supported.
    pub channels: Vec<String>,
    #[serde(default)]
    pub life_situations: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    /// Fee in euros; 0 means free.
    #[serde(default)]
    pub fee_eur: f64,
    /// Legal response term, if the service has one.
    pub deadline_days: Option<i64>,
    /// `working_days` or `calendar_days`.
    pub deadline_unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Location {
    pub id: String,
    pub name: String,
    /// `vpvkac` (one-stop centre for many institutions) or `institution_centre`.
    pub kind: String,
    /// The institution of an institution's own centre; none for a one-stop centre.
    pub institution: Option<String>,
    #[serde(default)]
    pub operator_lv: Option<String>,
    pub town: String,
    pub address: String,
    /// `mon`…`sun` → list of `"HH:MM-HH:MM"`; an empty list means closed.
    pub opening_hours: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub equipment: Vec<String>,
}

/// Records to import, each with its file and position for error reports.
#[derive(Debug, Default)]
pub struct RegisterBatch {
    pub institutions: Vec<(String, Institution)>,
    pub life_situations: Vec<(String, LifeSituation)>,
    pub resources: Vec<(String, Resource)>,
    pub services: Vec<(String, Service)>,
    pub locations: Vec<(String, Location)>,
    /// Records that could not be read; reported together with the invalid ones.
    pub problems: Vec<FieldError>,
}

/// How many records of each register an import created or updated.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub created: BTreeMap<String, usize>,
    pub updated: BTreeMap<String, usize>,
    /// Records that were already exactly so.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unchanged: BTreeMap<String, usize>,
}

pub const FILES: [&str; 5] = [
    "institutions.json",
    "life_situations.json",
    "resources.json",
    "services.json",
    "locations.json",
];
const RESOURCE_KINDS: [&str; 6] = [
    "portal",
    "e_service",
    "information_system",
    "mobile_app",
    "shared_component",
    "software",
];
/// A row of a link table: (one code, the other code).
type Link = (String, String);
/// (id, name_lv, name_en).
type Named = (String, String, Option<String>);

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn parse_records<T: for<'de> Deserialize<'de>>(
    file: &str,
    text: &str,
    out: &mut Vec<(String, T)>,
    errors: &mut Vec<FieldError>,
) {
    let values: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(FieldError::new(
                file,
                format!("is not a JSON array of records: {e}"),
            ));
            return;
        }
    };
    for (i, v) in values.into_iter().enumerate() {
        let label = match v
            .get("code")
            .or_else(|| v.get("id"))
            .and_then(|c| c.as_str())
        {
            Some(code) => format!("{file}[{i}] ({code})"),
            None => format!("{file}[{i}]"),
        };
        match serde_json::from_value::<T>(v) {
            Ok(record) => out.push((label, record)),
            Err(e) => errors.push(FieldError::new(label, e.to_string())),
        }
    }
}

impl RegisterBatch {
    /// Parse one register file by its name; unknown names are an error.
    pub fn add_file(&mut self, file: &str, text: &str) {
        let errors = &mut self.problems;
        match file {
            "institutions.json" => parse_records(file, text, &mut self.institutions, errors),
            "life_situations.json" => parse_records(file, text, &mut self.life_situations, errors),
            "resources.json" => parse_records(file, text, &mut self.resources, errors),
            "services.json" => parse_records(file, text, &mut self.services, errors),
            "locations.json" => parse_records(file, text, &mut self.locations, errors),
            other => errors.push(FieldError::new(
                other,
                format!(
                    "is not a register file; expected one of {}",
                    FILES.join(", ")
                ),
            )),
        }
    }

    /// Read whichever register files exist in `dir`.
    pub fn read_dir(dir: &Path) -> Result<RegisterBatch> {
        let mut batch = RegisterBatch::default();
        let mut found = 0;
        for file in FILES {
            let path = dir.join(file);
            if !path.exists() {
                continue;
            }
            found += 1;
            match std::fs::read_to_string(&path) {
                Ok(text) => batch.add_file(file, &text),
                Err(e) => batch
                    .problems
                    .push(FieldError::new(file, format!("cannot be read: {e}"))),
            }
        }
        if found == 0 {
            return Err(StoreError::Config(format!(
                "{} holds none of the register files ({})",
                dir.display(),
                FILES.join(", ")
            )));
        }
        Ok(batch)
    }
}

/// Codes already in the database, to check references that point outside the batch.
#[derive(Default)]
struct Known {
    institutions: HashSet<String>,
    life_situations: HashSet<String>,
    resources: HashSet<String>,
    services: HashSet<String>,
    locations: HashSet<String>,
}

fn check_unique<'a>(label: &str, code: &'a str, seen: &mut HashSet<&'a str>, errors: &mut Errors) {
    if !seen.insert(code) {
        errors.push(label, format!("{code} appears more than once in the file"));
    }
}

fn check_ref(
    errors: &mut Errors,
    field: &str,
    what: &str,
    code: &str,
    batch: &HashSet<&str>,
    db: &HashSet<String>,
) {
    if !batch.contains(code) && !db.contains(code) {
        errors.push(
            field,
            format!("refers to {what} {code}, which is neither in this import nor in the database"),
        );
    }
}

fn check_hours(errors: &mut Errors, label: &str, hours: &BTreeMap<String, Vec<String>>) {
    for (day, ranges) in hours {
        if !DAYS.contains(&day.as_str()) {
            errors.push(
                &format!("{label}.opening_hours"),
                format!("{day:?} is not a day; use {}", DAYS.join(", ")),
            );
        }
        for r in ranges {
            let ok = r
                .split_once('-')
                .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)))
                .is_some_and(|(a, b)| a < b);
            if !ok {
                errors.push(
                    &format!("{label}.opening_hours.{day}"),
                    format!("{r:?} is not a range like 08:30-17:00"),
                );
            }
        }
    }
}

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
}

fn validate(batch: &RegisterBatch, known: &Known) -> Vec<FieldError> {
    let mut e = Errors(batch.problems.clone());
    let institutions: HashSet<&str> = batch
        .institutions
        .iter()
        .map(|(_, r)| r.code.as_str())
        .collect();
    let life_situations: HashSet<&str> = batch
        .life_situations
        .iter()
        .map(|(_, r)| r.id.as_str())
        .collect();
    let resources: HashSet<&str> = batch.resources.iter().map(|(_, r)| r.id.as_str()).collect();
    let services: HashSet<&str> = batch
        .services
        .iter()
        .map(|(_, r)| r.code.as_str())
        .collect();

    let mut seen = HashSet::new();
    for (label, r) in &batch.institutions {
        check_unique(label, &r.code, &mut seen, &mut e);
        e.code(&format!("{label}.code"), &r.code);
        e.text(&format!("{label}.name_lv"), &r.name_lv, 300);
        if !["state", "municipality"].contains(&r.kind.as_str()) {
            e.push(
                &format!("{label}.kind"),
                format!("{:?} is not one of: state, municipality", r.kind),
            );
        }
        if let Some(p) = &r.parent {
            check_ref(
                &mut e,
                &format!("{label}.parent"),
                "institution",
                p,
                &institutions,
                &known.institutions,
            );
        }
    }
    let mut seen = HashSet::new();
    for (label, r) in &batch.life_situations {
        check_unique(label, &r.id, &mut seen, &mut e);
        e.code(&format!("{label}.id"), &r.id);
        e.text(&format!("{label}.name_lv"), &r.name_lv, 300);
        for (i, s) in r.services.iter().enumerate() {
            let field = format!("{label}.services[{i}]");
            check_ref(&mut e, &field, "service", s, &services, &known.services);
            if let Some((_, svc)) = batch.services.iter().find(|(_, x)| &x.code == s)
                && !svc.life_situations.contains(&r.id)
            {
                e.push(
                    &field,
                    format!("{s} is listed here but service {s} does not list {}", r.id),
                );
            }
        }
    }
    let mut seen = HashSet::new();
    for (label, r) in &batch.resources {
        check_unique(label, &r.id, &mut seen, &mut e);
        e.code(&format!("{label}.id"), &r.id);
        e.text(&format!("{label}.name"), &r.name, 300);
        if !RESOURCE_KINDS.contains(&r.kind.as_str()) {
            e.push(
                &format!("{label}.kind"),
                format!("{:?} is not one of: {}", r.kind, RESOURCE_KINDS.join(", ")),
            );
        }
        check_ref(
            &mut e,
            &format!("{label}.owner"),
            "institution",
            &r.owner,
            &institutions,
            &known.institutions,
        );
        if let Some(m) = &r.manager {
            e.email(&format!("{label}.manager"), m);
        }
    }
    let mut seen = HashSet::new();
    for (label, r) in &batch.services {
        check_unique(label, &r.code, &mut seen, &mut e);
        e.code(&format!("{label}.code"), &r.code);
        e.text(&format!("{label}.name_lv"), &r.name_lv, 300);
        check_ref(
            &mut e,
            &format!("{label}.institution"),
            "institution",
            &r.institution,
            &institutions,
            &known.institutions,
        );
        if !r.code.starts_with(&format!("{}-", r.institution)) {
            e.push(
                &format!("{label}.code"),
                format!(
                    "must start with the institution's code: {}-NNN",
                    r.institution
                ),
            );
        }
        for (i, c) in r.channels.iter().enumerate() {
            e.one_of(
                &format!("{label}.channels[{i}]"),
                c,
                Channel::parse,
                Channel::expected(),
            );
            if r.channels[..i].contains(c) {
                e.push(
                    &format!("{label}.channels[{i}]"),
                    format!("{c} is listed twice"),
                );
            }
        }
        for (i, l) in r.life_situations.iter().enumerate() {
            check_ref(
                &mut e,
                &format!("{label}.life_situations[{i}]"),
                "life situation",
                l,
                &life_situations,
                &known.life_situations,
            );
        }
        for (i, x) in r.resources.iter().enumerate() {
            check_ref(
                &mut e,
                &format!("{label}.resources[{i}]"),
                "resource",
                x,
                &resources,
                &known.resources,
            );
        }
        if !r.fee_eur.is_finite() || r.fee_eur < 0.0 || r.fee_eur > 1_000_000.0 {
            e.push(
                &format!("{label}.fee_eur"),
                "must be a non-negative amount in euros",
            );
        }
        match (r.deadline_days, r.deadline_unit.as_deref()) {
            (None, None) => {}
            (Some(d), Some("working_days" | "calendar_days")) if (0..=3650).contains(&d) => {}
            (Some(_), Some("working_days" | "calendar_days")) => e.push(
                &format!("{label}.deadline_days"),
                "must be between 0 and 3650",
            ),
            (_, Some(u)) if !["working_days", "calendar_days"].contains(&u) => e.push(
                &format!("{label}.deadline_unit"),
                format!("{u:?} is not one of: working_days, calendar_days"),
            ),
            _ => e.push(
                &format!("{label}.deadline_unit"),
                "deadline_days and deadline_unit go together: give both or neither",
            ),
        }
    }
    let mut seen = HashSet::new();
    for (label, r) in &batch.locations {
        check_unique(label, &r.id, &mut seen, &mut e);
        e.code(&format!("{label}.id"), &r.id);
        e.text(&format!("{label}.name"), &r.name, 300);
        e.text(&format!("{label}.address"), &r.address, 300);
        match (r.kind.as_str(), &r.institution) {
            ("vpvkac", _) => {}
            ("institution_centre", Some(i)) => check_ref(
                &mut e,
                &format!("{label}.institution"),
                "institution",
                i,
                &institutions,
                &known.institutions,
            ),
            ("institution_centre", None) => e.push(
                &format!("{label}.institution"),
                "an institution's centre needs its institution",
            ),
            (k, _) => e.push(
                &format!("{label}.kind"),
                format!("{k:?} is not one of: vpvkac, institution_centre"),
            ),
        }
        if let (Some(i), "vpvkac") = (&r.institution, r.kind.as_str()) {
            check_ref(
                &mut e,
                &format!("{label}.institution"),
                "institution",
                i,
                &institutions,
                &known.institutions,
            );
        }
        check_hours(&mut e, label, &r.opening_hours);
        for (i, s) in r.services.iter().enumerate() {
            check_ref(
                &mut e,
                &format!("{label}.services[{i}]"),
                "service",
                s,
                &services,
                &known.services,
            );
        }
    }
    e.0
}

/// Link rows grouped by their first code, in the order they came.
fn group_links(links: Vec<Link>) -> HashMap<String, Vec<String>> {
    let mut grouped: HashMap<String, Vec<String>> = HashMap::new();
    for (owner, target) in links {
        grouped.entry(owner).or_default().push(target);
    }
    grouped
}

fn json(v: &impl Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|err| StoreError::Corrupt(err.to_string()))
}

macro_rules! codes {
    ($ex:expr, $sql:literal) => {
        sqlx::query_scalar::<_, String>($sql)
            .fetch_all($ex)
            .await?
            .into_iter()
            .collect::<HashSet<String>>()
    };
}

/// Make `owner`'s rows in a link table exactly `targets`.
macro_rules! replace_links {
    ($ex:expr, $table:literal, $owner_col:literal, $target_col:literal, $owner:expr, $targets:expr) => {
        sqlx::query(concat!(
            "DELETE FROM ",
            $table,
            " WHERE ",
            $owner_col,
            " = $1"
        ))
        .bind($owner)
        .execute($ex)
        .await?;
        for target in $targets {
            sqlx::query(concat!(
                "INSERT INTO ",
                $table,
                " (",
                $owner_col,
                ", ",
                $target_col,
                ") VALUES ($1, $2) ON CONFLICT DO NOTHING"
            ))
            .bind($owner)
            .bind(target)
            .execute($ex)
            .await?;
        }
    };
}

impl Store {
    /// Validate the whole batch, then upsert it in one transaction. Any invalid
    /// record fails the import and nothing is written.
    pub async fn import_registers(&self, batch: &RegisterBatch) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        in_tx!(self, |tx| {
            let known = Known {
                institutions: codes!(&mut *tx, "SELECT code FROM institutions"),
                life_situations: codes!(&mut *tx, "SELECT id FROM life_situations"),
                resources: codes!(&mut *tx, "SELECT id FROM resources"),
                services: codes!(&mut *tx, "SELECT code FROM services"),
                locations: codes!(&mut *tx, "SELECT id FROM locations"),
            };
            let errors = validate(batch, &known);
            if !errors.is_empty() {
                return Err(StoreError::invalid(errors));
            }
            let mut count = |register: &str, existed: bool| {
                let map = if existed {
                    &mut report.updated
                } else {
                    &mut report.created
                };
                *map.entry(register.to_string()).or_insert(0) += 1;
            };

            // Parents are set after all rows exist, so the file order does not matter.
            for (_, r) in &batch.institutions {
                sqlx::query(
                    "INSERT INTO institutions (code, name_lv, name_en, kind) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (code) DO UPDATE SET name_lv = excluded.name_lv, name_en = excluded.name_en, kind = excluded.kind",
                )
                .bind(&r.code)
                .bind(&r.name_lv)
                .bind(&r.name_en)
                .bind(&r.kind)
                .execute(&mut *tx)
                .await?;
                count("institutions", known.institutions.contains(&r.code));
            }
            for (_, r) in &batch.institutions {
                sqlx::query("UPDATE institutions SET parent = $1 WHERE code = $2")
                    .bind(&r.parent)
                    .bind(&r.code)
                    .execute(&mut *tx)
                    .await?;
            }
            for (_, r) in &batch.life_situations {
                sqlx::query(
                    "INSERT INTO life_situations (id, name_lv, name_en) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET name_lv = excluded.name_lv, name_en = excluded.name_en",
                )
                .bind(&r.id)
                .bind(&r.name_lv)
                .bind(&r.name_en)
                .execute(&mut *tx)
                .await?;
                count("life_situations", known.life_situations.contains(&r.id));
            }
            for (_, r) in &batch.resources {
                sqlx::query(
                    "INSERT INTO resources (id, name, name_en, kind, owner, manager) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, kind = excluded.kind, \
                     owner = excluded.owner, manager = excluded.manager",
                )
                .bind(&r.id)
                .bind(&r.name)
                .bind(&r.name_en)
                .bind(&r.kind)
                .bind(&r.owner)
                .bind(&r.manager)
                .execute(&mut *tx)
                .await?;
                count("resources", known.resources.contains(&r.id));
            }
            for (_, r) in &batch.services {
                sqlx::query(
                    "INSERT INTO services (code, institution, name_lv, name_en, description_lv, description_en, channels, \
                     fee_cents, deadline_days, deadline_unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (code) DO UPDATE SET institution = excluded.institution, name_lv = excluded.name_lv, \
                     name_en = excluded.name_en, description_lv = excluded.description_lv, \
                     description_en = excluded.description_en, channels = excluded.channels, \
                     fee_cents = excluded.fee_cents, deadline_days = excluded.deadline_days, \
                     deadline_unit = excluded.deadline_unit",
                )
                .bind(&r.code)
                .bind(&r.institution)
                .bind(&r.name_lv)
                .bind(&r.name_en)
                .bind(&r.description_lv)
                .bind(&r.description_en)
                .bind(json(&r.channels)?)
                .bind((r.fee_eur * 100.0).round() as i64)
                .bind(r.deadline_days)
                .bind(&r.deadline_unit)
                .execute(&mut *tx)
                .await?;
                count("services", known.services.contains(&r.code));
                // The service's own lists are the truth for its links.
                replace_links!(
                    &mut *tx,
                    "service_life_situations",
                    "service",
                    "life_situation",
                    &r.code,
                    &r.life_situations
                );
                replace_links!(
                    &mut *tx,
                    "service_resources",
                    "service",
                    "resource",
                    &r.code,
                    &r.resources
                );
            }
            // A life situation may name services imported earlier.
            for (_, r) in &batch.life_situations {
                for s in &r.services {
                    sqlx::query("INSERT INTO service_life_situations (service, life_situation) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(s)
                        .bind(&r.id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (_, r) in &batch.locations {
                sqlx::query(
                    "INSERT INTO locations (id, name, kind, institution, operator_lv, town, address, opening_hours, equipment) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                     institution = excluded.institution, operator_lv = excluded.operator_lv, town = excluded.town, \
                     address = excluded.address, opening_hours = excluded.opening_hours, equipment = excluded.equipment",
                )
                .bind(&r.id)
                .bind(&r.name)
                .bind(&r.kind)
                .bind(&r.institution)
                .bind(&r.operator_lv)
                .bind(&r.town)
                .bind(&r.address)
                .bind(json(&r.opening_hours)?)
                .bind(json(&r.equipment)?)
                .execute(&mut *tx)
                .await?;
                count("locations", known.locations.contains(&r.id));
                replace_links!(
                    &mut *tx,
                    "location_services",
                    "location",
                    "service",
                    &r.id,
                    &r.services
                );
            }
        });
        Ok(report)
    }

    pub async fn institutions(&self) -> Result<Vec<Institution>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, Institution>(
                "SELECT code, name_lv, name_en, kind, parent FROM institutions ORDER BY code",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn resources(&self) -> Result<Vec<Resource>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, Resource>(
                "SELECT id, name, name_en, kind, owner, manager FROM resources ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn life_situations(&self) -> Result<Vec<LifeSituation>> {
        let (rows, links): (Vec<Named>, Vec<Link>) = on_pool!(self, |pool| {
            (
                sqlx::query_as("SELECT id, name_lv, name_en FROM life_situations ORDER BY id")
                    .fetch_all(pool)
                    .await?,
                sqlx::query_as(
                    "SELECT life_situation, service FROM service_life_situations ORDER BY service",
                )
                .fetch_all(pool)
                .await?,
            )
        });
        let mut by_ls = group_links(links);
        Ok(rows
            .into_iter()
            .map(|(id, name_lv, name_en)| LifeSituation {
                services: by_ls.remove(&id).unwrap_or_default(),
                id,
                name_lv,
                name_en,
            })
            .collect())
    }

    /// Services, optionally of one institution or one life situation.
    pub async fn services(
        &self,
        institution: Option<&str>,
        life_situation: Option<&str>,
    ) -> Result<Vec<Service>> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            i64,
            Option<i64>,
            Option<String>,
        );
        let (rows, ls_links, res_links): (Vec<Row>, Vec<Link>, Vec<Link>) = on_pool!(
            self,
            |pool| {
                (
                sqlx::query_as(
                    "SELECT code, institution, name_lv, name_en, description_lv, description_en, channels, fee_cents, \
                     deadline_days, deadline_unit FROM services s \
                     WHERE ($1 IS NULL OR institution = $1) \
                     AND ($2 IS NULL OR EXISTS (SELECT 1 FROM service_life_situations l WHERE l.service = s.code AND l.life_situation = $2)) \
                     ORDER BY code",
                )
                .bind(institution)
                .bind(life_situation)
                .fetch_all(pool)
                .await?,
                sqlx::query_as("SELECT service, life_situation FROM service_life_situations ORDER BY life_situation")
                    .fetch_all(pool)
                    .await?,
                sqlx::query_as("SELECT service, resource FROM service_resources ORDER BY resource").fetch_all(pool).await?,
            )
            }
        );
        let (mut ls, mut res) = (group_links(ls_links), group_links(res_links));
        rows.into_iter()
            .map(
                |(
                    code,
                    institution,
                    name_lv,
                    name_en,
                    description_lv,
                    description_en,
                    channels,
                    fee,
                    deadline_days,
                    deadline_unit,
                )| {
                    Ok(Service {
                        channels: serde_json::from_str(&channels)
                            .map_err(|e| StoreError::Corrupt(format!("channels: {e}")))?,
                        life_situations: ls.remove(&code).unwrap_or_default(),
                        resources: res.remove(&code).unwrap_or_default(),
                        fee_eur: fee as f64 / 100.0,
                        code,
                        institution,
                        name_lv,
                        name_en,
                        description_lv,
                        description_en,
                        deadline_days,
                        deadline_unit,
                    })
                },
            )
            .collect()
    }

    pub async fn service(&self, code: &str) -> Result<Service> {
        self.services(None, None)
            .await?
            .into_iter()
            .find(|s| s.code == code)
            .ok_or_else(|| StoreError::NotFound(format!("service {code}")))
    }

    pub async fn locations(&self) -> Result<Vec<Location>> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            String,
        );
        let (rows, links): (Vec<Row>, Vec<Link>) = on_pool!(self, |pool| {
            (
                sqlx::query_as(
                    "SELECT id, name, kind, institution, operator_lv, town, address, opening_hours, equipment \
                     FROM locations ORDER BY id",
                )
                .fetch_all(pool)
                .await?,
                sqlx::query_as("SELECT location, service FROM location_services ORDER BY service").fetch_all(pool).await?,
            )
        });
        let mut by_loc = group_links(links);
        rows.into_iter()
            .map(
                |(id, name, kind, institution, operator_lv, town, address, hours, equipment)| {
                    let corrupt =
                        |e: serde_json::Error| StoreError::Corrupt(format!("location {id}: {e}"));
                    Ok(Location {
                        opening_hours: serde_json::from_str(&hours).map_err(corrupt)?,
                        equipment: serde_json::from_str(&equipment).map_err(corrupt)?,
                        services: by_loc.remove(&id).unwrap_or_default(),
                        id,
                        name,
                        kind,
                        institution,
                        operator_lv,
                        town,
                        address,
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_checked() {
        assert_eq!(minutes("08:30"), Some(510));
        assert_eq!(minutes("24:00"), Some(1440));
        assert_eq!(minutes("8:30"), None);
        let mut e = Errors::default();
        let mut h = BTreeMap::new();
        h.insert(
            "mon".to_string(),
            vec!["08:00-12:00".to_string(), "13:00-12:00".to_string()],
        );
        h.insert("funday".to_string(), vec![]);
        check_hours(&mut e, "x", &h);
        assert_eq!(e.0.len(), 2);
    }

    #[test]
    fn bad_records_are_reported_with_their_position() {
        let mut batch = RegisterBatch::default();
        batch.add_file(
            "institutions.json",
            r#"[{"id":"A","name_lv":"A","kind":"state","parent":null},{"id":"B"}]"#,
        );
        assert_eq!(batch.problems.len(), 1);
        assert!(
            batch.problems[0]
                .field
                .starts_with("institutions.json[1] (B)"),
            "{:?}",
            batch.problems
        );
        batch.problems.clear();
        batch.add_file(
            "services.json",
            r#"[{"code":"A-001","institution":"Z","name_lv":"x","channels":["fax"],"deadline_days":5,"deadline_unit":null}]"#,
        );
        let problems = validate(&batch, &Known::default());
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "services.json[0] (A-001).institution",
                "services.json[0] (A-001).code",
                "services.json[0] (A-001).channels[0]",
                "services.json[0] (A-001).deadline_unit"
            ]
        );
    }
}
