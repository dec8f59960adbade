//! Generates the OpenAPI 3.1 document that `GET /api/v1/openapi.json` serves, from the
//! gateway's own code, so it cannot drift from it: every `.route("…", get(a).post(b))`
//! registration under `src/`, each handler's doc comment (its first paragraph after the
//! `# METHOD /path` heading is the summary, the rest the description), the path parameters of
//! the route, and the query and JSON body types its extractors (`Query<T>`, `ApiJson<T>`)
//! name, described from their `#[derive(Deserialize)]` definitions. A handler that takes
//! `AuthUser` needs the bearer token.

// A build script reports failure by panicking; there is no caller to hand an error to.
#![allow(clippy::expect_used)]

use std::{
    collections::{BTreeMap, BTreeSet},
    env, fs,
    path::{Path, PathBuf},
};

use serde_json::{Map, Value, json};
use syn::{
    Attribute, Expr, ExprCall, ExprMethodCall, Fields, FnArg, GenericArgument, Item, ItemEnum,
    ItemFn, ItemStruct, Lit, PathArguments, ReturnType, Type, visit::Visit,
};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut sources = Vec::new();
    collect(Path::new("src"), &mut sources);
    sources.sort();
    let files: Vec<Source> = sources
        .iter()
        .filter_map(|path| Source::read(path))
        .collect();
    let definitions = Definitions::of(&files);
    let mut routes = Vec::new();
    for file in &files {
        let mut finder = RouteFinder {
            file: file.key.clone(),
            routes: &mut routes,
        };
        finder.visit_file(&file.ast);
    }
    let document = document(&routes, &files, &definitions);
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("openapi.json");
    fs::write(out, serde_json::to_string_pretty(&document).expect("JSON"))
        .expect("write openapi.json");
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, into);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            into.push(path);
        }
    }
}

/// One source file, keyed by its module path ("routes/deals" for routes/deals/mod.rs).
struct Source {
    key: String,
    ast: syn::File,
}

impl Source {
    fn read(path: &Path) -> Option<Self> {
        let text = fs::read_to_string(path).ok()?;
        let ast = syn::parse_file(&text).ok()?;
        let relative = path.strip_prefix("src").ok()?.with_extension("");
        let mut key = relative.to_string_lossy().replace('\\', "/");
        if let Some(parent) = key.strip_suffix("/mod") {
            key = parent.to_owned();
        }
        Some(Self { key, ast })
    }

    fn handler(&self, name: &str) -> Option<&ItemFn> {
        self.ast.items.iter().find_map(|item| match item {
            Item::Fn(function) if function.sig.ident == name => Some(function),
            _ => None,
        })
    }
}

/// A registration: the path, the method and the handler's path expression as written.
struct Route {
    path: String,
    method: &'static str,
    handler: Vec<String>,
    file: String,
}

struct RouteFinder<'a> {
    file: String,
    routes: &'a mut Vec<Route>,
}

impl<'ast> Visit<'ast> for RouteFinder<'_> {
    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        if call.method == "route"
            && call.args.len() == 2
            && let Some(path) = string_literal(&call.args[0])
        {
            let mut handlers = Vec::new();
            method_router(&call.args[1], &mut handlers);
            for (method, handler) in handlers {
                self.routes.push(Route {
                    path: path.clone(),
                    method,
                    handler,
                    file: self.file.clone(),
                });
            }
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(literal) => match &literal.lit {
            Lit::Str(text) => Some(text.value()),
            _ => None,
        },
        _ => None,
    }
}

/// `get(a).post(b)` → [(get, a), (post, b)].
fn method_router(expr: &Expr, into: &mut Vec<(&'static str, Vec<String>)>) {
    match expr {
        Expr::Call(ExprCall { func, args, .. }) => {
            if let (Expr::Path(function), Some(handler)) = (&**func, args.first())
                && let Some(method) = method_named(&segments(&function.path))
            {
                into.push((method, handler_path(handler)));
            }
        }
        Expr::MethodCall(call) => {
            method_router(&call.receiver, into);
            if let (Some(method), Some(handler)) =
                (method_named(&[call.method.to_string()]), call.args.first())
            {
                into.push((method, handler_path(handler)));
            }
        }
        _ => {}
    }
}

fn method_named(path: &[String]) -> Option<&'static str> {
    let last = path.last()?;
    METHODS.iter().copied().find(|method| method == last)
}

fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn handler_path(expr: &Expr) -> Vec<String> {
    match expr {
        Expr::Path(path) => segments(&path.path),
        _ => Vec::new(),
    }
}

/// The Deserialize structs and enums of every file, by name (a name may live in several).
struct Definitions<'a> {
    structs: BTreeMap<String, Vec<(&'a str, &'a ItemStruct)>>,
    enums: BTreeMap<String, &'a ItemEnum>,
}

impl<'a> Definitions<'a> {
    fn of(files: &'a [Source]) -> Self {
        let mut structs: BTreeMap<String, Vec<(&str, &ItemStruct)>> = BTreeMap::new();
        let mut enums = BTreeMap::new();
        for file in files {
            for item in &file.ast.items {
                match item {
                    Item::Struct(item) if derives(&item.attrs, "Deserialize") => structs
                        .entry(item.ident.to_string())
                        .or_default()
                        .push((file.key.as_str(), item)),
                    Item::Enum(item) if derives(&item.attrs, "Deserialize") => {
                        enums.insert(item.ident.to_string(), item);
                    }
                    _ => {}
                }
            }
        }
        Self { structs, enums }
    }

    /// The struct named so, preferring the handler's file, then its folder, then any.
    fn find(&self, name: &str, near: &str) -> Option<&'a ItemStruct> {
        let candidates = self.structs.get(name)?;
        let folder = near.rsplit_once('/').map_or(near, |(folder, _)| folder);
        candidates
            .iter()
            .find(|(file, _)| *file == near)
            .or_else(|| candidates.iter().find(|(file, _)| file.starts_with(near)))
            .or_else(|| candidates.iter().find(|(file, _)| file.starts_with(folder)))
            .or_else(|| candidates.first())
            .map(|(_, item)| *item)
    }
}

fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|path| path.segments.last().is_some_and(|s| s.ident == name))
                })
    })
}

fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(pair) => string_literal(&pair.value),
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).to_owned())
        .collect()
}

/// `#[serde(…)]` settings of a field or type that change the wire shape.
#[derive(Default)]
struct Serde {
    rename: Option<String>,
    rename_all: Option<String>,
    default: bool,
    flatten: bool,
    skip: bool,
}

fn serde_of(attrs: &[Attribute]) -> Serde {
    let mut serde = Serde::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "rename" => serde.rename = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
                "rename_all" => {
                    serde.rename_all = Some(meta.value()?.parse::<syn::LitStr>()?.value());
                }
                "default" => {
                    serde.default = true;
                    if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<syn::LitStr>()?;
                    }
                }
                "flatten" => serde.flatten = true,
                "skip" | "skip_deserializing" => serde.skip = true,
                _ => {
                    if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<Expr>()?;
                    }
                }
            }
            Ok(())
        });
    }
    serde
}

fn renamed(name: &str, rule: Option<&str>) -> String {
    match rule {
        Some("snake_case") => {
            let mut out = String::new();
            for (index, c) in name.chars().enumerate() {
                if c.is_uppercase() {
                    if index > 0 {
                        out.push('_');
                    }
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
            }
            out
        }
        Some("lowercase") => name.to_lowercase(),
        Some("camelCase") => {
            let mut chars = name.chars();
            chars
                .next()
                .map(|first| first.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        }
        _ => name.to_owned(),
    }
}

/// Builds `components.schemas` as types are met.
struct Schemas<'a> {
    definitions: &'a Definitions<'a>,
    components: BTreeMap<String, Value>,
}

impl Schemas<'_> {
    /// The schema of a Rust type; `near` is the file naming it.
    fn of(&mut self, ty: &Type, near: &str) -> Value {
        let Type::Path(path) = ty else {
            return match ty {
                Type::Reference(reference) => self.of(&reference.elem, near),
                _ => json!({}),
            };
        };
        let Some(last) = path.path.segments.last() else {
            return json!({});
        };
        let name = last.ident.to_string();
        let args: Vec<&Type> = match &last.arguments {
            PathArguments::AngleBracketed(angle) => angle
                .args
                .iter()
                .filter_map(|arg| match arg {
                    GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        match name.as_str() {
            "String" | "str" => json!({"type": "string"}),
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
                json!({"type": "integer"})
            }
            "f32" | "f64" => json!({"type": "number"}),
            "bool" => json!({"type": "boolean"}),
            "Value" => json!({}),
            "Option" => {
                let inner = args.first().map_or(json!({}), |ty| self.of(ty, near));
                nullable(inner)
            }
            "Vec" | "HashSet" | "BTreeSet" => {
                let items = args.first().map_or(json!({}), |ty| self.of(ty, near));
                json!({"type": "array", "items": items})
            }
            "HashMap" | "BTreeMap" => {
                let values = args.get(1).map_or(json!({}), |ty| self.of(ty, near));
                json!({"type": "object", "additionalProperties": values})
            }
            _ => self.named(&name, near),
        }
    }

    fn named(&mut self, name: &str, near: &str) -> Value {
        let reference = json!({"$ref": format!("#/components/schemas/{name}")});
        if self.components.contains_key(name) {
            return reference;
        }
        if let Some(item) = self.definitions.find(name, near) {
            self.components.insert(name.to_owned(), json!({}));
            let schema = self.object(item, near);
            self.components.insert(name.to_owned(), schema);
            return reference;
        }
        if let Some(item) = self.definitions.enums.get(name) {
            let rule = serde_of(&item.attrs).rename_all;
            let values: Vec<String> = item
                .variants
                .iter()
                .map(|variant| {
                    serde_of(&variant.attrs)
                        .rename
                        .unwrap_or_else(|| renamed(&variant.ident.to_string(), rule.as_deref()))
                })
                .collect();
            self.components
                .insert(name.to_owned(), json!({"type": "string", "enum": values}));
            return reference;
        }
        // A domain type serialized by its own rules (ids, timestamps): described by name.
        json!({"description": name})
    }

    fn object(&mut self, item: &ItemStruct, near: &str) -> Value {
        let Fields::Named(fields) = &item.fields else {
            return json!({});
        };
        let rule = serde_of(&item.attrs).rename_all;
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut merged = Vec::new();
        for field in &fields.named {
            let serde = serde_of(&field.attrs);
            if serde.skip {
                continue;
            }
            let Some(ident) = &field.ident else { continue };
            let mut schema = self.of(&field.ty, near);
            if serde.flatten {
                merged.push(schema);
                continue;
            }
            let name = serde
                .rename
                .clone()
                .unwrap_or_else(|| renamed(&ident.to_string(), rule.as_deref()));
            let doc = docs(&field.attrs).join(" ");
            if !doc.trim().is_empty()
                && let Value::Object(map) = &mut schema
            {
                map.insert("description".into(), json!(doc.trim()));
            }
            let optional = is_option(&field.ty) || serde.default;
            if !optional {
                required.push(name.clone());
            }
            properties.insert(name, schema);
        }
        let mut schema = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            schema["required"] = json!(required);
        }
        let doc = docs(&item.attrs).join(" ");
        if !doc.trim().is_empty() {
            schema["description"] = json!(doc.trim());
        }
        if merged.is_empty() {
            schema
        } else {
            merged.insert(0, schema);
            json!({"allOf": merged})
        }
    }
}

fn nullable(inner: Value) -> Value {
    match inner.get("type") {
        Some(Value::String(kind)) => {
            let mut out = inner.clone();
            out["type"] = json!([kind, "null"]);
            out
        }
        _ => json!({"anyOf": [inner, {"type": "null"}]}),
    }
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// The type inside an extractor or wrapper named `wrapper`, anywhere in `ty`.
fn inner_of<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(angle) = &last.arguments else {
        return None;
    };
    let args: Vec<&Type> = angle
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    if last.ident == wrapper {
        return args.first().copied();
    }
    args.into_iter().find_map(|ty| match ty {
        Type::Tuple(tuple) => tuple.elems.iter().find_map(|ty| inner_of(ty, wrapper)),
        other => inner_of(other, wrapper),
    })
}

fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Finds the handler a route names: in the registering file, or in the module its path
/// names (`deals::list` → routes/deals).
fn resolve<'a>(route: &Route, files: &'a [Source]) -> Option<(&'a Source, &'a ItemFn)> {
    let name = route.handler.last()?;
    let folder = route.file.rsplit_once('/').map_or("", |(folder, _)| folder);
    let mut candidates: Vec<String> = Vec::new();
    if route.handler.len() > 1 {
        let modules: Vec<&str> = route.handler[..route.handler.len() - 1]
            .iter()
            .map(String::as_str)
            .filter(|m| *m != "crate" && *m != "super" && *m != "self")
            .collect();
        let joined = modules.join("/");
        candidates.push(format!("{}/{joined}", route.file));
        candidates.push(if folder.is_empty() {
            joined.clone()
        } else {
            format!("{folder}/{joined}")
        });
        candidates.push(joined);
    } else {
        candidates.push(route.file.clone());
    }
    for key in candidates {
        if let Some(file) = files.iter().find(|file| file.key == key)
            && let Some(handler) = file.handler(name)
        {
            return Some((file, handler));
        }
    }
    None
}

fn document(routes: &[Route], files: &[Source], definitions: &Definitions) -> Value {
    let mut schemas = Schemas {
        definitions,
        components: BTreeMap::new(),
    };
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut operation_ids = BTreeSet::new();
    for route in routes {
        let resolved = resolve(route, files);
        let mut operation = Map::new();
        let name = route.handler.last().cloned().unwrap_or_default();
        let tag = route
            .path
            .trim_start_matches("/api/v1/")
            .split(['/', '?'])
            .next()
            .unwrap_or("")
            .trim_start_matches('/')
            .to_owned();
        let mut id = format!("{}_{}", tag.replace(['-', '.'], "_"), name);
        let mut n = 2;
        while !operation_ids.insert(id.clone()) {
            id = format!("{}_{}_{n}", tag.replace(['-', '.'], "_"), name);
            n += 1;
        }
        operation.insert("operationId".into(), json!(id));
        operation.insert("tags".into(), json!([tag]));
        let mut parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .map(|param| json!({"name": param, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut authenticated = false;
        let mut response = json!({"description": "Success"});
        if let Some((file, handler)) = resolved {
            let lines = docs(&handler.attrs);
            let text: Vec<&str> = lines
                .iter()
                .map(String::as_str)
                .skip_while(|line| line.starts_with('#') || line.trim().is_empty())
                .collect();
            let paragraph: Vec<&str> = text
                .iter()
                .copied()
                .take_while(|line| !line.trim().is_empty())
                .collect();
            let summary = if paragraph.is_empty() {
                // Documented by its heading only: the heading's words after the route.
                format!("{} {}", route.method.to_uppercase(), route.path)
            } else {
                paragraph.join(" ")
            };
            operation.insert("summary".into(), json!(summary));
            let rest = text[paragraph.len()..].join("\n");
            if !rest.trim().is_empty() {
                operation.insert("description".into(), json!(rest.trim()));
            }
            for input in &handler.sig.inputs {
                let FnArg::Typed(typed) = input else { continue };
                let ty = &*typed.ty;
                match type_name(ty).as_deref() {
                    Some("AuthUser") => authenticated = true,
                    Some("ApiJson" | "Json") => {
                        if let Some(body) = inner_of(ty, type_name(ty).as_deref().unwrap_or("")) {
                            let schema = schemas.of(body, &file.key);
                            operation.insert(
                                "requestBody".into(),
                                json!({"required": true, "content": {"application/json": {"schema": schema}}}),
                            );
                        }
                    }
                    Some("Query") => {
                        if let Some(query) = inner_of(ty, "Query").and_then(type_name)
                            && let Some(item) = definitions.find(&query, &file.key)
                            && let Fields::Named(fields) = &item.fields
                        {
                            for field in &fields.named {
                                let Some(ident) = &field.ident else { continue };
                                let serde = serde_of(&field.attrs);
                                // A flattened map takes the parameters no field names: the
                                // lists' `custom.<key>` filters.
                                let flattened_map = serde.flatten;
                                let name = if flattened_map {
                                    "custom.{key}".to_owned()
                                } else {
                                    serde.rename.unwrap_or_else(|| ident.to_string())
                                };
                                let mut parameter = json!({"name": name, "in": "query",
                                    "required": !flattened_map && !is_option(&field.ty) && !serde.default,
                                    "schema": if flattened_map { json!({"type": "string"}) } else { schemas.of(&field.ty, &file.key) }});
                                let doc = docs(&field.attrs).join(" ");
                                if !doc.trim().is_empty() {
                                    parameter["description"] = json!(doc.trim());
                                }
                                parameters.push(parameter);
                            }
                        }
                    }
                    _ => {}
                }
            }
            if let ReturnType::Type(_, output) = &handler.sig.output
                && let Some(body) = inner_of(output, "ApiJson")
            {
                let schema = schemas.of(body, &file.key);
                response = json!({"description": "Success", "content": {"application/json": {"schema": schema}}});
            }
        }
        if !parameters.is_empty() {
            operation.insert("parameters".into(), json!(parameters));
        }
        if authenticated {
            operation.insert("security".into(), json!([{"bearerAuth": []}]));
        }
        operation.insert(
            "responses".into(),
            json!({
                "2XX": response,
                "4XX": {"description": "The request was refused; `error.code` says why",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}},
            }),
        );
        paths
            .entry(route.path.clone())
            .or_default()
            .insert(route.method.to_owned(), Value::Object(operation));
    }
    schemas.components.insert(
        "ApiError".into(),
        json!({"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "description": "Machine-readable, e.g. `validation`, `not_found`"},
                "message": {"type": "string", "description": "For people"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "Per invalid field, what is wrong with it"}}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Switchboard API",
            "version": env::var("CARGO_PKG_VERSION").unwrap_or_default(),
            "description": "Generated from the gateway's route registrations and handler documentation at build time.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    })
}
