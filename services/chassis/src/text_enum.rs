//! `text_enum!`: an enum stored and sent as text (snake_case), with its `as_str`, its
//! `parse` (None for a text the code does not know: an error to the caller, never a
//! default), `ALL` and `Display`, written once for every service's vocabularies.

/// ```
/// llo_chassis::text_enum! {
///     /// A registration's state.
///     pub enum Status {
///         Booked => "booked",
///         WaitListed => "wait_listed",
///     }
/// }
/// assert_eq!(Status::parse("wait_listed"), Some(Status::WaitListed));
/// assert_eq!(Status::Booked.to_string(), "booked");
/// assert_eq!(Status::parse("Booked"), None);
/// ```
#[macro_export]
macro_rules! text_enum {
    (@unit $variant:ident) => { () };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; <[()]>::len(&[$($crate::text_enum!(@unit $variant)),+])] =
                [$($name::$variant),+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value of a stored text; `None` for a text the code does not know.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
