/// Which column of a CRM export holds what (`[crm]` in the config).
///
/// Each field is either named in the config (then the column must exist, or the run stops
/// with an error naming it) or guessed from the names common exports use ("Create Date",
/// "Lead Status", "Record ID", "amount"…), compared without case, spaces or punctuation.
public struct CRMColumns: Equatable, Sendable {
    public enum Field: String, CaseIterable, Sendable {
        case time, goal, value, status
        case leadID = "lead_id"
        case visitorID = "visitor_id"
        case ip
        case userAgent = "user_agent"
        case customerTime = "customer_time"

        /// What the field is, for messages and `--print-config`.
        public var meaning: String {
            switch self {
            case .time: return "when the lead or sale happened"
            case .goal: return "the conversion's goal (type); rows without one count as `default_goal`"
            case .value: return "its worth; empty falls back to the value of the goal of that name"
            case .status: return "lead status, mapped by [crm.statuses]"
            case .leadID: return "lead id: duplicates keep the last row; joins the lead parameter of a goal hit's URL"
            case .visitorID: return "the visitor id the log carries (visitor_id_field)"
            case .ip: return "client IP address of the sign-up (joined within join_window_minutes)"
            case .userAgent: return "the sign-up's User-Agent, to tell apart visitors behind one IP"
            case .customerTime: return "when the lead became a customer (else the row's time)"
            }
        }

        /// Column names tried when the config names none.
        public var guesses: [String] {
            switch self {
            case .time: return ["time", "timestamp", "created_at", "created", "create_date", "created_date", "createdate",
                                "created_time", "creation_date", "deal_created", "deal_deal_created", "add_time",
                                "date", "submitted_at", "conversion_time", "event_time"]
            case .goal: return ["goal", "type", "conversion", "conversion_name", "conversion_type", "event", "event_name"]
            case .value: return ["value", "amount", "revenue", "deal_value", "deal_amount", "price", "total"]
            case .status: return ["status", "lead_status", "lifecycle_stage", "lifecyclestage", "stage", "deal_stage", "deal_status", "lead_stage"]
            case .leadID: return ["lead_id", "leadid", "id", "record_id", "contact_id", "deal_id", "deal_deal_id"]
            case .visitorID: return ["visitor_id", "client_id", "user_pseudo_id", "uid", "cookie_id"]
            case .ip: return ["ip", "ip_address", "client_ip", "remote_addr", "ipaddress"]
            case .userAgent: return ["user_agent", "useragent", "ua", "browser"]
            case .customerTime: return ["customer_time", "closed_at", "close_date", "won_at", "became_customer_date"]
            }
        }
    }

    /// Column names set in the config, by field.
    public var named: [Field: String] = [:]

    public init(named: [Field: String] = [:]) { self.named = named }

    /// Column names for a one-line message: control characters shown as `\xNN`, long names cut.
    static func list(_ header: [String]) -> String {
        header.prefix(40).map { name in
            var out = ""
            for u in name.unicodeScalars.prefix(60) {
                out += u.value < 0x20 || u.value == 0x7F ? String(format: "\\x%02X", u.value) : String(u)
            }
            return out
        }.joined(separator: ", ") + (header.count > 40 ? ", …" : "")
    }

    /// Where each field sits among `header`'s columns; throws for a named column that is absent.
    func locate(in header: [String], file: String) throws -> [Field: Int] {
        let normalized = header.map(LeadStatusMapping.normalize)
        var found: [Field: Int] = [:]
        for field in Field.allCases {
            if let name = named[field] {
                guard let i = normalized.firstIndex(of: LeadStatusMapping.normalize(name)) else {
                    throw IngestError.unusableInput("\(file): no column \"\(Self.list([name]))\" (set as [crm] \(field.rawValue) in the config); its columns are: \(Self.list(header))")
                }
                found[field] = i
            } else if let i = field.guesses.lazy.compactMap({ normalized.firstIndex(of: LeadStatusMapping.normalize($0)) }).first {
                found[field] = i
            }
        }
        guard found[.time] != nil else {
            throw IngestError.unusableInput("\(file): no time column (looked for \(Field.time.guesses.joined(separator: ", "))); name it with [crm] time = \"…\" in the config; its columns are: \(Self.list(header))")
        }
        guard found[.leadID] != nil || found[.visitorID] != nil || found[.ip] != nil else {
            throw IngestError.unusableInput("\(file): no column to join on (a lead id, a visitor id or an IP address); name one with [crm] lead_id / visitor_id / ip in the config; its columns are: \(Self.list(header))")
        }
        return found
    }
}

import Foundation
